#include "plugin_host/sample_story.hpp"

#include "parse/date.hpp"

#include <string_view>

namespace fw::plugin_host {
namespace {

constexpr std::string_view k_sample_title = "Central bank holds rates as inflation cools in Europe";
constexpr std::string_view k_sample_text =
    "Share this article\n"
    "FRANKFURT — The European Central Bank kept its main interest rate unchanged on Thursday, "
    "saying inflation in the euro area had cooled faster than expected but warning that wage "
    "growth remained too strong to declare victory.\n"
    "ECB President Christine Lagarde told reporters in Frankfurt that the Governing Council had "
    "agreed unanimously to hold the deposit rate at 3.5 per cent, its highest level since the "
    "euro was introduced in 1999.\n"
    "\"We are not yet at the point where we can say the job is done,\" Lagarde said. \"The "
    "direction of travel is good, but services inflation is still sticky.\"\n"
    "Advertisement\n"
    "Consumer prices in the 20 countries that share the euro rose 2.4 per cent in the year to "
    "October, down from 2.9 per cent in September, according to figures published by Eurostat "
    "last week. Core inflation, which strips out energy and food, fell to 3.6 per cent.\n"
    "Markets had priced in a small chance of a cut. The euro slipped 0.3 per cent against the "
    "U.S. dollar after the decision, while yields on German government bonds edged lower.\n"
    "Economists said the bank was buying time. \"They want to see two more months of data before "
    "they move,\" said Maria Hoffmann, chief economist at Commerzbank in Frankfurt. \"A first cut "
    "in the spring now looks likely.\"\n"
    "The decision came a day after the U.S. Federal Reserve left its own benchmark rate unchanged "
    "and Fed Chair Jerome Powell signalled that American borrowing costs would stay high for "
    "longer. The Bank of England is expected to follow suit next week.\n"
    "Read more: What higher rates mean for your mortgage\n"
    "Governments across the bloc have urged the ECB to ease the pressure on households and "
    "businesses. Italy's finance minister said on Wednesday that high rates were choking "
    "investment, and French officials have made similar complaints in private.\n"
    "Lagarde rejected the criticism. She said the bank's mandate was price stability and that "
    "cutting too early would risk a second wave of inflation that would hurt the poorest "
    "households the most. Growth in the euro area stalled in the third quarter, and the bank "
    "trimmed its forecast for next year to 0.8 per cent.\n"
    "The ECB raised rates ten times in a row from July 2022 to September 2023, the fastest "
    "tightening in its history, after energy prices soared following Russia's invasion of "
    "Ukraine. It has held them since.\n"
    "Analysts at Deutsche Bank said in a note that the statement's tone was slightly softer "
    "than in October, and that the bank had dropped a reference to rates staying restrictive "
    "\"for as long as necessary\".\n"
    "Inside the bank, the debate has shifted from how high rates should go to how long they "
    "should stay there. Several members of the Governing Council, including Bundesbank President "
    "Joachim Nagel, have argued in recent speeches that the bank must not repeat the mistake of "
    "the 1970s, when central banks eased too soon and inflation returned with a vengeance.\n"
    "Others, led by Portugal's central bank governor, say the risk now runs the other way. "
    "Lending to companies has fallen for three months in a row, and surveys of purchasing "
    "managers point to a contraction in manufacturing across Germany, France and Italy.\n"
    "Cookie notice: we use cookies to improve your experience. Accept all cookies\n"
    "Wage data will be decisive. Negotiated wages rose 4.7 per cent in the third quarter, the "
    "fastest pace in three decades, as unions sought to recover the purchasing power their "
    "members lost during the energy shock. The bank expects wage growth to slow next year as "
    "contracts signed during the crisis expire.\n"
    "Households have felt the squeeze. Mortgage rates in Spain and Italy, where most home loans "
    "carry variable rates, have more than doubled in two years, and consumer confidence in the "
    "euro area remains well below its long-run average, according to the European Commission.\n"
    "The bank also said it would continue to shrink its balance sheet, letting bonds bought "
    "under its pandemic emergency programme mature without reinvesting the proceeds from the "
    "middle of next year, a step that will drain about 7.5 billion euros a month from markets.\n"
    "Outside the euro area, central banks are moving at different speeds. The Swiss National "
    "Bank cut its rate in September, citing a strong franc, while Sweden's Riksbank and Norway's "
    "Norges Bank have kept policy tight. In Asia, the Bank of Japan is still debating when to end "
    "its long experiment with negative rates, and the People's Bank of China has eased again to "
    "support a property sector in distress.\n"
    "Investors will now turn to the Fed's next meeting in December and to the inflation figures "
    "due in the first week of January, which economists expect to show a small rebound as "
    "energy subsidies in Germany and France expire at the end of the year.\n"
    "Scroll to top\n"
    "The next policy meeting is scheduled for Jan. 25 in Frankfurt.\n"
    "Subscribe to our newsletter for the latest business news.\n"
    "About the author: Anna Keller covers European economics from Frankfurt.\n"
    "Source link\n"
    "3f9a1c2be47d\n";

} // namespace

model::Story sample_story() {
  model::Story s;
  s.id = "https://news.example.com/ecb-holds-rates";
  s.link = "https://news.example.com/ecb-holds-rates";
  s.title = std::string(k_sample_title);
  s.text = std::string(k_sample_text);
  s.published = parse::parse_date("2026-11-26T13:45:00Z");
  s.categories = {"Business", "Economy"};
  s.authors.push_back(model::Author{std::string("Anna Keller"), std::nullopt, std::nullopt});
  return s;
}

} // namespace fw::plugin_host
