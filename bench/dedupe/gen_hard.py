#!/usr/bin/env python3
"""Hard near-duplicate evaluation corpus for feedwire's dedupe (Python 3 stdlib only).

Writes, under --out DIR (the same layout as ../shared/bench/gen_feeds.py, so one reader serves both):
  feeds/<outlet>.xml  RSS 2.0 feeds of news agencies, outlets and aggregators
  items.jsonl         one line per item: feed file, item index i, guid (id), link, title, utc, story
                      group (story; every item has one), variant kind (variant), negative family
                      (negative: null, summit, market-wrap, match-report or outside-window) and the
                      family instance (topic, e.g. "summit-1": items with the same topic and another
                      story are same-topic negatives)
  manifest.json       per-feed facts and corpus totals; "generator": "gen_hard.py"

Same --seed and arguments => byte-identical output (no clock, no hash-order dependence).

Stories are English news prose built from templates and sentence banks with named people, places,
organisations and numbers, 150-900 words each. An agency publishes the original; outlets carry copies,
each with one variant (or several, "combined"):

  rewritten-headline     another headline for the same facts
  intro-outro            an outlet's own introduction or closing paragraph around the wire text
  signoff-boilerplate    agency dateline and sign-off, copyright, share/newsletter/follow footers
  copy-edit              spelling, number style, contractions, tense of "said", a trimmed sentence
  dropped-paragraph      one body paragraph missing
  moved-paragraph        one body paragraph in another place
  first-half-read-more   only the first half of the paragraphs, then a "Read more" link
  aggregator-link        an aggregator's short item linking to an outlet's copy with tracking
                         parameters (the same story by canonical URL)
  combined               headline rewrite plus boilerplate plus copy edits
  late-rerun             a copy published more than 72 h after every other copy of its story: NOT
                         expected to match (negative "outside-window")

Same-topic negatives (different stories that must NOT be merged): summit reports with the same two
leaders (shared background paragraphs, different days and subjects), daily market wraps from one
template with other numbers, and match reports from one template with other teams and scores. Most of
them are syndicated too, so their copies are positives.

Copies appear within six hours of the original; about one in ten between 20 and 70 hours later (a
story that spreads over several days, still inside the 72 h window).
"""
import argparse
import datetime as dt
import json
import os
import random
import re
import sys
from xml.sax.saxutils import escape

UTC = dt.timezone.utc
BASE_TIME = dt.datetime(2024, 5, 6, 6, 0, 0, tzinfo=UTC)  # fixed: no clock
WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
          "October", "November", "December"]
DAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
MON3 = [m[:3] for m in MONTHS]

FIRST = ["Adrian", "Beatriz", "Callum", "Deborah", "Emeka", "Fiona", "Gareth", "Helena", "Ibrahim",
         "Joanna", "Kwame", "Lucia", "Marcus", "Nadia", "Oliver", "Priya", "Rafael", "Sabine",
         "Thomas", "Ursula", "Vikram", "Wendy", "Xavier", "Yasmin", "Zachary", "Aisha", "Bernard",
         "Clara", "Dominic", "Elena", "Felix", "Greta", "Hassan", "Irene", "Julian", "Katarzyna",
         "Leon", "Miriam", "Niall", "Olivia", "Patrick", "Rebecca", "Samuel", "Teresa", "Victor"]
LAST = ["Abernathy", "Baptiste", "Castellanos", "Donnelly", "Eze", "Fairbanks", "Gallagher",
        "Hartmann", "Iqbal", "Jankowski", "Kaur", "Lindqvist", "Mahoney", "Nwosu", "Okonkwo",
        "Pemberton", "Quinlan", "Rasmussen", "Sorensen", "Thornton", "Underwood", "Valdez",
        "Whitaker", "Yamamoto", "Zielinski", "Ashworth", "Brennan", "Carvalho", "Delacroix",
        "Ellison", "Ferreira", "Goldberg", "Holloway", "Ingram", "Jovanovic", "Kellerman", "Lowry",
        "Moreau", "Novak", "Osei", "Prescott", "Reyes", "Sandoval", "Taverner", "Voss", "Wexley"]
CITIES = ["Northbridge", "Ashcombe", "Port Elling", "Marlow Heath", "Kingsreach", "Easthaven",
          "Coldwater", "Redcliffe", "Thornbury", "Westmoor", "Galloway Bay", "Silverton",
          "Harrowgate", "Brackenfield", "Lindenport", "Oakridge", "Stonehaven", "Fenwick",
          "Millbrook", "Castleton", "Ravensworth", "Dunmere", "Hollins Cross", "Bellmouth"]
REGIONS = ["the northern province", "the coastal region", "the eastern valley", "the capital region",
           "the western highlands", "the river delta", "the southern lowlands", "the lake district"]
COMPANIES = ["Halvorsen Energy", "Brightline Logistics", "Corvane Systems", "Meridian Foods",
             "Atlas Rail", "Norrland Steel", "Pellucid Pharma", "Quarry Lane Homes", "Veritan Bank",
             "Tessellate Software", "Bluewater Shipping", "Orchard Retail Group", "Kestrel Aviation",
             "Granite Mutual", "Solenne Telecom", "Fernhill Motors"]
UNIVERSITIES = ["the University of Northbridge", "Kingsreach Institute of Technology",
                "Easthaven Medical School", "the Redcliffe Centre for Economic Research",
                "Westmoor University", "the Silverton Institute", "Castleton College"]
AGENCIES = ["the Environment Agency", "the Competition Authority", "the Transport Safety Board",
            "the National Audit Office", "the Health Standards Commission",
            "the Data Protection Regulator", "the Financial Conduct Office"]
UNIONS = ["the Transport Workers' Union", "the Nurses' Federation", "the Teachers' Association",
          "the Rail and Maritime Union", "the Public Services Alliance"]

WIRES = [("Wire Press", "WP", "wirepress.example"),
         ("Continental News Agency", "CNA", "cna-news.example"),
         ("Associated Newsroom", "AN", "assocnews.example")]
OUTLETS = [("Northbridge Herald", "northbridge-herald.example"),
           ("The Ashcombe Courier", "ashcombe-courier.example"),
           ("Kingsreach Evening Post", "kingsreach-post.example"),
           ("Easthaven Gazette", "easthaven-gazette.example"),
           ("The Coastal Times", "coastaltimes.example"),
           ("Redcliffe Chronicle", "redcliffe-chronicle.example"),
           ("Daily Ledger", "dailyledger.example"),
           ("The Westmoor Observer", "westmoor-observer.example"),
           ("Metro Dispatch", "metrodispatch.example"),
           ("The National Tribune", "nationaltribune.example")]
AGGREGATORS = [("NewsHub Digest", "newshub.example"), ("Headline Stream", "headlinestream.example")]

# ---- general news: one dict per story type ------------------------------------------------------
# Slots come from Story.ctx (see make_context). Headlines give the rewritten-headline variant its
# alternatives; body, quote and background banks are sampled without replacement.
TYPES = {
    "council": {
        "headlines": [
            "{city} council approves {project} despite objections",
            "Councillors back {project} in {votes_for}-{votes_against} vote",
            "{project} gets the go-ahead in {city} after marathon meeting",
            "{city} votes through {project}; opponents vow to fight on",
            "Green light for {project} as {city} council splits over {cost} cost",
        ],
        "leads": [
            "{city} councillors voted {votes_for} to {votes_against} on {weekday} to approve {project}, a {cost} scheme that supporters say will {benefit} and critics warn will {harm}.",
            "A divided {city} council on {weekday} approved {project}, committing {cost} to a plan that has dominated local politics for more than a year.",
        ],
        "body": [
            "The meeting ran for almost {hours} hours, with more than {speakers} residents signing up to speak during the public comment period.",
            "Under the approved plan, construction would begin in {start_month} and take about {years} years to complete.",
            "Council leader {official} said the authority had listened to residents and made {changes} changes to the original proposal.",
            "Opponents, led by the campaign group {group}, argued that the cost estimate had risen by {pct} percent since the scheme was first put forward.",
            "Officials said about {jobs} jobs would be created during the construction phase, with a further {jobs2} permanent posts once the project opens.",
            "A report presented to councillors estimated that the scheme would {benefit} and reduce journey times in the town centre by {minutes} minutes at peak hours.",
            "The vote followed a consultation in which {consult} people responded, a record for the authority.",
            "Funding will come from a mix of borrowing, a {grant} grant from the national government and contributions from developers.",
            "Several councillors from the opposition group walked out before the final vote, saying they had not been given enough time to read the amended documents.",
            "Business owners on {street} said they feared months of disruption while the works are carried out.",
            "The council said it would publish a detailed timetable and a traffic management plan before the end of {end_month}.",
            "An independent review commissioned last year found that the original design underestimated maintenance costs by about {grant}.",
            "The authority has already spent {spent} on surveys, legal advice and design work, according to figures released under freedom of information rules.",
            "Residents of the {district} district, where much of the work will take place, were promised a dedicated liaison officer and regular public briefings.",
        ],
        "quotes": [
            "\"This is the most important decision this council has taken in a generation,\" {official} told the chamber.",
            "\"We are not against progress, but we are against wasting public money,\" said {campaigner}, a spokesperson for {group}.",
            "\"People in {district} have been ignored for too long, and tonight they were ignored again,\" said opposition councillor {councillor}.",
            "\"The numbers simply do not add up, and everyone in this room knows it,\" {councillor} said during the debate.",
            "\"We will hold the contractors to every deadline and every penny of the budget,\" {official} said after the vote.",
        ],
        "background": [
            "{project} was first proposed in {first_year} but was shelved twice because of funding problems.",
            "The council has been under financial pressure since {first_year}, when it was forced to cut spending on libraries and youth services.",
            "Similar schemes in neighbouring towns have run over budget, a point repeatedly raised by opponents during the consultation.",
        ],
        "closing": [
            "Campaigners said they were considering a legal challenge and would meet next week to decide their next steps.",
            "The plan now goes to the regional planning inspectorate, which has {weeks} weeks to raise any objections.",
        ],
    },
    "business": {
        "headlines": [
            "{company} profit {direction} {pct} percent as {driver}",
            "{company} shares {move} after {quarter} results",
            "{company} reports {direction_noun} in {quarter} earnings, {ceo_title} {ceo} upbeat",
            "Results: {company} {direction} {pct} percent, plans {jobs} job cuts",
            "{company} beats forecasts but warns of tougher year ahead",
        ],
        "leads": [
            "{company} said on {weekday} that its {quarter} operating profit {direction} {pct} percent to {profit}, as {driver}, sending its shares {move} in early trading.",
            "Shares in {company} {move} on {weekday} after the company reported {quarter} results that {beat} analysts' expectations and announced plans to cut about {jobs} jobs.",
        ],
        "body": [
            "Revenue for the period came to {revenue}, compared with {revenue2} a year earlier, the company said in a statement to the stock exchange.",
            "Analysts polled by the company had on average expected an operating profit of {profit2}.",
            "The group said costs for raw materials and energy had risen by {pct2} percent over the quarter, eating into margins in its largest division.",
            "{company} confirmed that it would cut about {jobs} jobs, most of them in administration and at its headquarters in {city}.",
            "The company kept its forecast for the full year unchanged, saying it still expected sales growth of between {low} and {high} percent.",
            "The board proposed a dividend of {dividend} per share, in line with the previous year.",
            "{ceo_title} {ceo} told analysts on a conference call that demand had picked up in {month} after a weak start to the year.",
            "Net debt fell to {debt} at the end of the quarter, helped by the sale of a minority stake in its logistics arm.",
            "The company said it had invested {capex} in new production lines at its plant near {city2}, which is due to open next year.",
            "Trading in the shares was heavy, with more than {volume} million shares changing hands in the first hour.",
            "Orders from its largest customers in {region} rose by {pct3} percent, the company said.",
            "{analyst}, an analyst at {bank}, said the results showed that the restructuring was beginning to work, but warned that the outlook remained uncertain.",
            "The company has been under pressure from activist investors, who have pushed for a break-up of the group and the sale of its consumer business.",
        ],
        "quotes": [
            "\"We have delivered a solid quarter in a difficult market,\" {ceo} said in the statement.",
            "\"The cost cuts are overdue, but the question is whether they go far enough,\" said {analyst} of {bank}.",
            "\"Our order book is the strongest it has been for three years,\" {ceo} told reporters.",
            "\"Investors wanted to see margins improve, and that simply has not happened yet,\" {analyst} said.",
            "\"These are difficult decisions, and we will support every colleague affected,\" the company said of the job cuts.",
        ],
        "background": [
            "{company}, which employs about {staff} people in {countries} countries, has cut its workforce twice since {first_year}.",
            "The group's shares have {perf} percent this year, compared with a rise of {index_perf} percent in the wider market.",
            "{ceo} took over as {ceo_title} in {first_year} with a promise to simplify the group and reduce its debt.",
        ],
        "closing": [
            "The company will present its strategy update to investors at a meeting in {city} in {end_month}.",
            "Full-year results are due on {date_text}.",
        ],
    },
    "court": {
        "headlines": [
            "{defendant} found {verdict} of {charge} after {weeks}-week trial",
            "Jury returns {verdict} verdict in {city} {charge} case",
            "{city} court: {defendant} {verdict} on {charge} charges",
            "Former {role} {defendant} {verdict} in {charge} trial",
            "Verdict in {charge} trial of {defendant}: {verdict}",
        ],
        "leads": [
            "A jury at {city} Crown Court on {weekday} found {defendant}, a former {role}, {verdict} of {charge}, ending a {weeks}-week trial that drew attention across {region}.",
            "{defendant}, the former {role} accused of {charge}, was found {verdict} on {weekday} after jurors deliberated for {hours} hours.",
        ],
        "body": [
            "Prosecutors had told the court that {defendant} {allegation} between {first_year} and {last_year}.",
            "The jury heard evidence from {witnesses} witnesses, including former colleagues and two forensic accountants.",
            "Judge {judge} said sentencing would take place on {date_text} and warned that a custodial sentence was likely.",
            "The defence argued that {defendant} had acted on the advice of lawyers and had never intended to deceive anyone.",
            "During the trial, the court was shown emails in which {defendant} discussed moving money through accounts in {region}.",
            "The case was brought after an investigation by {agency} that lasted almost {years} years.",
            "Outside the court, a small group of former employees applauded as the verdict was read out.",
            "The total sum involved was estimated by prosecutors at {amount}, most of which has not been recovered.",
            "{defendant} showed no emotion as the verdict was delivered and was led from the dock by security officers.",
            "A second defendant, {codefendant}, was cleared of all charges on the judge's direction last week.",
            "Lawyers for {defendant} said they would study the judgment carefully before deciding whether to appeal.",
            "The trial had been delayed twice, once because of the illness of a juror and once because of a dispute over the disclosure of documents.",
        ],
        "quotes": [
            "\"This verdict shows that nobody is above the law, however senior,\" said {prosecutor}, who led the prosecution.",
            "\"My client is deeply disappointed and maintains his innocence,\" defence lawyer {lawyer} told reporters outside the court.",
            "\"We waited {years} years for this day,\" said {victim}, one of those who lost money.",
            "\"The evidence against the defendant was overwhelming,\" Judge {judge} told the jury in his summing up.",
        ],
        "background": [
            "{defendant} was arrested in {first_year} after a whistleblower contacted {agency}.",
            "The case is one of the largest of its kind to reach the courts in {region} in the past decade.",
            "{agency} has faced criticism for the length of its investigations, several of which have collapsed before reaching trial.",
        ],
        "closing": [
            "{agency} said it would now seek to recover the missing funds through civil proceedings.",
            "{defendant} was remanded in custody until sentencing.",
        ],
    },
    "science": {
        "headlines": [
            "Study links {exposure} to higher risk of {condition}",
            "{exposure} may raise {condition} risk by {pct} percent, researchers say",
            "Researchers at {university_short} find {condition} link to {exposure}",
            "New research: {exposure} tied to {condition} in {participants} people",
            "Scientists warn over {exposure} after large {condition} study",
        ],
        "leads": [
            "People exposed to {exposure} over long periods are about {pct} percent more likely to develop {condition}, according to a study of {participants} adults published on {weekday} in the journal {journal}.",
            "Researchers at {university} have found that {exposure} is associated with a higher risk of {condition}, in one of the largest studies of its kind.",
        ],
        "body": [
            "The team followed the participants for an average of {years} years, recording their health, diet, income and where they lived.",
            "Those in the highest exposure group had a risk of {condition} {pct} percent higher than those in the lowest group, after accounting for age, smoking and other factors.",
            "The authors stressed that the study was observational and could not prove that {exposure} caused the illness.",
            "The effect was stronger among people over the age of {age} and among those with existing heart or lung problems.",
            "Data for the study came from a national health register and from air and noise monitoring stations in {cities} cities.",
            "Lead author {scientist}, a professor of epidemiology, said the findings were consistent with earlier laboratory work.",
            "Independent experts said the study was large and carefully designed, but cautioned against alarm.",
            "The research was funded by {funder} and took almost {years2} years to complete.",
            "About {share} percent of the participants lived within {distance} metres of a major road or industrial site.",
            "The researchers estimated that reducing exposure to the levels recommended by health authorities could prevent about {cases} cases a year.",
            "Previous studies had produced mixed results, partly because they relied on much smaller groups of participants.",
            "The team now plans a follow-up study to examine whether the risk falls when people move to areas with lower exposure.",
        ],
        "quotes": [
            "\"Our results add to a growing body of evidence that this is a public health problem,\" said {scientist}.",
            "\"This is a well-conducted study, but the absolute risk for any individual remains small,\" said {expert}, who was not involved in the research.",
            "\"Policy makers should take note, because the exposure is something we can change,\" {scientist} said.",
            "\"We need to understand the biological mechanism before drawing firm conclusions,\" said {expert} of {university2}.",
        ],
        "background": [
            "{condition} affects about {prevalence} people in the country, and the number has risen steadily over the past two decades.",
            "Health authorities last updated their guidance on {exposure} in {first_year}.",
            "Campaigners have long called for stricter limits, arguing that current rules lag behind the scientific evidence.",
        ],
        "closing": [
            "The full study is available on the journal's website.",
            "The government said it would review the findings as part of its wider public health strategy.",
        ],
    },
    "weather": {
        "headlines": [
            "Storm {storm} brings flooding and power cuts to {region}",
            "Thousands without power as Storm {storm} hits {city}",
            "Storm {storm}: {homes} homes flooded, rail lines closed",
            "Severe weather warning as Storm {storm} sweeps across {region}",
            "{city} counts the cost after Storm {storm}",
        ],
        "leads": [
            "Storm {storm} brought winds of up to {wind} kilometres an hour and heavy rain to {region} overnight into {weekday}, flooding about {homes} homes and leaving {outages} households without power.",
            "Emergency services in {region} were stretched on {weekday} as Storm {storm} caused flooding, fallen trees and travel chaos, with {city} among the worst-hit towns.",
        ],
        "body": [
            "The weather service issued a red warning for parts of the coast, its highest level, advising people not to travel unless absolutely necessary.",
            "Rail operators cancelled services on at least {lines} lines after trees fell onto the tracks, and several roads were closed because of flooding.",
            "More than {rain} millimetres of rain fell in some areas in less than {hours} hours, close to a month's average.",
            "Firefighters rescued {rescued} people from cars trapped in floodwater, according to the regional fire service.",
            "The energy network operator said engineers had restored power to most customers but that some remote areas could wait until {weekday2} for reconnection.",
            "Schools in {city} and {city2} were closed, and the local authority opened {centres} rest centres for people forced to leave their homes.",
            "Flights at {city} airport were delayed or diverted as crosswinds made landing difficult.",
            "A section of the sea wall at {city2} was damaged by waves, and engineers were assessing whether nearby houses were safe.",
            "The environment agency said river levels were expected to peak on {weekday2}, and warned that further flooding was possible.",
            "Insurers said it was too early to estimate the cost of the damage, but one industry group put initial claims at more than {amount}.",
            "Forecasters said the storm would move north during the day, with winds easing by the evening.",
            "It is the {ordinal} named storm of the season, and the strongest to hit the region since {first_year}.",
        ],
        "quotes": [
            "\"We have never seen the water come up so quickly,\" said {resident}, whose house in {city} was flooded.",
            "\"Please stay away from the coast and do not drive through floodwater,\" said {official}, the regional emergency coordinator.",
            "\"Our crews have been working through the night and will keep going until everyone is reconnected,\" a spokesperson for the network operator said.",
            "\"The defences held in most places, but this storm has tested them to the limit,\" {official} said.",
        ],
        "background": [
            "{region} was hit by severe flooding in {first_year}, after which the government promised to spend {amount2} on flood defences.",
            "Climate scientists say warmer seas are making intense rainfall events more frequent in the region.",
            "Residents have complained for years that drainage in the older parts of {city} cannot cope with heavy rain.",
        ],
        "closing": [
            "A yellow warning for wind remains in place until {weekday2} evening.",
            "People affected by flooding can call the council's emergency line for advice on temporary accommodation.",
        ],
    },
    "tech": {
        "headlines": [
            "{company} confirms data breach affecting {users} customers",
            "Hackers stole data of {users} {company} customers, company says",
            "{company} breach: names, addresses and {data} exposed",
            "{company} hit by cyberattack; regulator informed",
            "Data of {users} people exposed in {company} security incident",
        ],
        "leads": [
            "{company} said on {weekday} that hackers had gained access to the personal data of about {users} customers, including names, addresses and {data}, in one of the largest breaches reported in {region} this year.",
            "{company} has confirmed a cyberattack in which criminals copied the records of {users} customers, and said it had informed {agency} and the police.",
        ],
        "body": [
            "The company said the attackers had exploited a weakness in a system run by an outside supplier and had access for about {days} days before the breach was detected.",
            "Payment card numbers were not affected, the company said, but it advised customers to be alert to phishing emails and unexpected phone calls.",
            "{agency} said it was investigating and could impose a fine of up to {pct} percent of the company's annual turnover.",
            "The company has set up a helpline and said it would offer affected customers free credit monitoring for {months} months.",
            "Security researcher {researcher} said the stolen data had appeared for sale on a criminal forum earlier in the week.",
            "Shares in {company} fell {pct2} percent in morning trading after the announcement.",
            "The company said it had hired an external cyber security firm to investigate and had taken the affected system offline.",
            "It is the second security incident at the company in {years} years; in {first_year} it was fined for failing to protect customer records.",
            "Customers complained on social media that they had learned of the breach from news reports rather than from the company itself.",
            "The attack is believed to have been carried out by a group that has targeted several retailers and utilities in recent months.",
            "{company} said it would write to every affected customer by the end of the week.",
            "Experts said the delay between the attack and its detection was typical but showed the need for better monitoring of suppliers.",
        ],
        "quotes": [
            "\"We are deeply sorry, and we are doing everything we can to support our customers,\" {ceo_title} {ceo} said in a statement.",
            "\"Companies keep telling us they take security seriously, and then this happens,\" said {advocate} of the consumer group {consumer_group}.",
            "\"This looks like a classic supply-chain attack, and they are very hard to stop,\" said {researcher}.",
            "\"Customers deserve to know exactly what was taken and when,\" {advocate} said.",
        ],
        "background": [
            "Reported data breaches in the country rose by about {pct3} percent last year, according to {agency}.",
            "{company} serves about {customers} customers and employs some {staff} people.",
            "New rules due to take effect next year will require companies to report serious breaches within {hours} hours.",
        ],
        "closing": [
            "The police said no arrests had been made so far.",
            "{agency} urged anyone who believes they have been affected to contact the company's helpline.",
        ],
    },
    "strike": {
        "headlines": [
            "{union_short} announces {days}-day strike over pay",
            "Strike to hit {sector} services across {region} next week",
            "Talks fail as {union_short} members vote for walkout",
            "{sector} workers to strike after pay offer rejected",
            "{days} days of strikes: what we know about the {sector} walkout",
        ],
        "leads": [
            "{union} said on {weekday} that its members would stage a {days}-day strike from next {weekday2} after talks over pay and working conditions broke down, threatening widespread disruption to {sector} services across {region}.",
            "Members of {union} have voted by {pct} percent to strike, rejecting a pay offer of {offer} percent that the union called an insult.",
        ],
        "body": [
            "Turnout in the ballot was {turnout} percent, above the legal threshold for industrial action.",
            "The union is demanding a rise of {demand} percent, arguing that its members' pay has fallen sharply in real terms since {first_year}.",
            "Employers said the offer was the best they could afford without cutting services or raising charges.",
            "About {workers} workers are expected to take part, making it the largest walkout in the sector for more than a decade.",
            "Managers said they would try to run a reduced service during the strike but warned passengers and patients to expect significant delays.",
            "The government said it was not directly involved in the negotiations but urged both sides to return to talks.",
            "The union said it was prepared to call further strikes in {end_month} if no improved offer was made.",
            "Business groups said the strike would cost the regional economy about {amount} a day.",
            "A mediator from the conciliation service met both sides for {hours} hours on {weekday} without reaching agreement.",
            "Staff shortages have worsened over the past two years, with about {vacancies} posts currently vacant, according to union figures.",
            "The dispute also covers shift patterns, overtime rates and the use of agency staff.",
        ],
        "quotes": [
            "\"Our members have been pushed to the limit, and they have had enough,\" said {union_leader}, general secretary of {union}.",
            "\"We remain open to talks at any time, but the union's demands are simply unaffordable,\" said {employer_rep}, who leads the employers' side.",
            "\"Nobody wants to strike, but we have been left with no choice,\" said {worker}, who has worked in the sector for {years} years.",
            "\"This strike will hurt the very people these workers say they want to protect,\" {minister} said.",
        ],
        "background": [
            "{union} last went on strike in {first_year}, when a five-day walkout ended with a two-year pay deal.",
            "Inflation peaked at {inflation} percent last year and has since fallen, but prices remain well above their level of two years ago.",
            "Several other unions in the public sector are also balloting their members over pay.",
        ],
        "closing": [
            "Details of the services affected will be published on the employers' websites later this week.",
            "Further talks are scheduled for {weekday2}.",
        ],
    },
}

GROUPS = ["Save Our Streets", "Residents First", "Keep It Green", "Fair Deal for Taxpayers"]
PROJECTS = ["the Riverside tram extension", "a new eastern bypass", "the harbour regeneration plan",
            "a new central library and archive", "the Market Square redevelopment",
            "a district heating network", "the North Park sports centre", "a park-and-ride scheme"]
STREETS = ["High Street", "Bridge Road", "Station Avenue", "Market Lane", "Quay Street"]
DISTRICTS = ["Old Town", "Eastfield", "Harbourside", "Northgate", "St Anne's", "Millfield"]
DRIVERS = ["cost cuts offset weaker demand", "strong demand in its home market lifted sales",
           "higher energy prices squeezed margins", "a weaker currency boosted export earnings",
           "price increases more than offset lower volumes"]
CHARGES = ["fraud", "false accounting", "bribery", "money laundering", "tax evasion"]
ROLES = ["finance director", "chief executive", "pension fund manager", "council treasurer",
         "bank branch manager"]
EXPOSURES = ["traffic noise", "air pollution", "night-shift work", "ultra-processed food",
             "long commutes", "prolonged screen time"]
CONDITIONS = ["heart disease", "type 2 diabetes", "dementia", "high blood pressure", "depression",
              "stroke"]
JOURNALS = ["The Lancet Public Health", "BMJ Open", "Nature Medicine", "the European Heart Journal",
            "JAMA Network Open"]
STORMS = ["Agnes", "Bram", "Ciara", "Dudley", "Elin", "Fergus", "Gerrit", "Henk", "Isha", "Jocelyn",
          "Kathleen", "Lilian"]
DATA = ["dates of birth", "phone numbers", "email addresses", "bank account details",
        "passport numbers"]
SECTORS = ["rail", "bus", "hospital", "school", "postal", "airport"]
CONSUMER_GROUPS = ["Which Way", "Consumer Voice", "the Citizens' Advice Network"]
BANKS = ["Hollis & Co", "Northgate Securities", "Ridley Brothers", "Varden Capital"]
FUNDERS = ["the National Research Council", "the Wellspring Foundation",
           "the Heart and Lung Trust"]


def fmt_money(v):
    if v >= 1e9:
        return "%.1f billion euros" % (v / 1e9)
    if v >= 1e6:
        return "%.1f million euros" % (v / 1e6)
    return "{:,} euros".format(int(v))


def ordinal(n):
    return "%d%s" % (n, "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th"))


class Gen:
    def __init__(self, rng):
        self.r = rng

    def person(self):
        return "%s %s" % (self.r.choice(FIRST), self.r.choice(LAST))

    def money(self, lo, hi):
        return fmt_money(round(self.r.uniform(lo, hi), -4))

    def context(self, kind, when):
        """Slot values for one story: every template slot of every type has a value."""
        r = self.r
        city, city2 = r.sample(CITIES, 2)
        up = r.random() < 0.5
        c = {
            "city": city, "city2": city2, "region": r.choice(REGIONS),
            "weekday": WEEKDAYS[when.weekday()],
            "weekday2": WEEKDAYS[(when.weekday() + r.randint(1, 4)) % 7],
            "date_text": "%s %d" % (MONTHS[(when.month + r.randint(0, 2)) % 12], r.randint(1, 28)),
            "start_month": r.choice(MONTHS), "end_month": r.choice(MONTHS),
            "month": r.choice(MONTHS), "first_year": r.randint(2009, 2021),
            "last_year": r.randint(2021, 2023), "hours": r.randint(3, 14),
            "years": r.randint(2, 9), "years2": r.randint(2, 6), "weeks": r.randint(3, 14),
            "days": r.randint(2, 5), "months": r.randint(6, 24),
            "pct": r.randint(3, 48), "pct2": r.randint(2, 19), "pct3": r.randint(5, 35),
            "official": self.person(), "councillor": self.person(), "campaigner": self.person(),
            "group": r.choice(GROUPS), "project": r.choice(PROJECTS), "street": r.choice(STREETS),
            "district": r.choice(DISTRICTS), "cost": self.money(2e7, 9e8),
            "grant": self.money(1e6, 9e7), "spent": self.money(1e6, 2e7),
            "votes_for": r.randint(26, 40), "votes_against": r.randint(12, 25),
            "speakers": r.randint(30, 140), "changes": r.randint(3, 12),
            "jobs": r.randint(120, 2400), "jobs2": r.randint(40, 400),
            "minutes": r.randint(4, 20), "consult": "{:,}".format(r.randint(2000, 19000)),
            "benefit": r.choice(["cut congestion", "bring thousands of visitors to the town centre",
                                 "create hundreds of jobs", "lower heating bills"]),
            "harm": r.choice(["burden taxpayers for decades", "destroy green space",
                              "bring years of disruption", "push up council tax"]),
            "company": r.choice(COMPANIES), "ceo": self.person(),
            "ceo_title": r.choice(["chief executive", "CEO", "chairman"]),
            "quarter": r.choice(["first-quarter", "second-quarter", "third-quarter",
                                 "fourth-quarter", "half-year"]),
            "direction": "rose" if up else "fell", "direction_noun": "rise" if up else "fall",
            "move": r.choice(["jumped", "rose"] if up else ["fell", "slumped"]),
            "beat": "beat" if up else "missed", "driver": r.choice(DRIVERS),
            "profit": self.money(5e7, 2e9), "profit2": self.money(5e7, 2e9),
            "revenue": self.money(5e8, 9e9), "revenue2": self.money(5e8, 9e9),
            "low": r.randint(1, 4), "high": r.randint(5, 9),
            "dividend": "%.2f euros" % r.uniform(0.2, 3), "debt": self.money(5e8, 5e9),
            "capex": self.money(5e7, 8e8), "volume": r.randint(2, 30),
            "analyst": self.person(), "bank": r.choice(BANKS),
            "staff": "{:,}".format(r.randint(3000, 90000)), "countries": r.randint(6, 40),
            "perf": r.choice(["gained ", "lost "]) + str(r.randint(4, 40)),
            "index_perf": r.randint(2, 15),
            "defendant": self.person(), "codefendant": self.person(), "judge": self.person(),
            "prosecutor": self.person(), "lawyer": self.person(), "victim": self.person(),
            "charge": r.choice(CHARGES), "role": r.choice(ROLES),
            "verdict": r.choice(["guilty", "guilty", "not guilty"]),
            "allegation": r.choice(["diverted client money into accounts he controlled",
                                    "inflated the value of contracts to hide losses",
                                    "paid officials to win public contracts",
                                    "hid income from the tax authorities"]),
            "witnesses": r.randint(12, 60), "agency": r.choice(AGENCIES),
            "amount": self.money(2e6, 2e8), "amount2": self.money(5e7, 9e8),
            "exposure": r.choice(EXPOSURES), "condition": r.choice(CONDITIONS),
            "journal": r.choice(JOURNALS), "participants": "{:,}".format(r.randint(20000, 480000)),
            "university": r.choice(UNIVERSITIES), "university2": r.choice(UNIVERSITIES),
            "scientist": "Dr " + self.person(), "expert": "Professor " + self.person(),
            "age": r.choice([50, 55, 60, 65, 70]), "cities": r.randint(8, 60),
            "funder": r.choice(FUNDERS), "share": r.randint(10, 45),
            "distance": r.choice([100, 200, 300, 500]), "cases": "{:,}".format(r.randint(800, 20000)),
            "prevalence": "{:,}".format(r.randint(100000, 4000000)),
            "storm": r.choice(STORMS), "wind": r.randint(90, 170), "homes": r.randint(40, 2500),
            "outages": "{:,}".format(r.randint(3000, 180000)), "lines": r.randint(3, 14),
            "rain": r.randint(40, 140), "rescued": r.randint(4, 60), "centres": r.randint(2, 12),
            "resident": self.person(), "ordinal": ordinal(r.randint(3, 9)),
            "users": "{:,}".format(r.randint(40000, 6000000)), "data": r.choice(DATA),
            "researcher": self.person(), "advocate": self.person(),
            "consumer_group": r.choice(CONSUMER_GROUPS),
            "customers": "{:,}".format(r.randint(500000, 12000000)),
            "union": r.choice(UNIONS), "sector": r.choice(SECTORS),
            "offer": r.randint(2, 6), "demand": r.randint(8, 15), "turnout": r.randint(52, 81),
            "workers": "{:,}".format(r.randint(5000, 60000)),
            "vacancies": "{:,}".format(r.randint(800, 9000)),
            "union_leader": self.person(), "employer_rep": self.person(), "worker": self.person(),
            "minister": "Minister " + self.person(), "inflation": r.randint(7, 11),
        }
        c["union_short"] = c["union"].replace("the ", "").replace("The ", "")
        c["university_short"] = c["university"].replace("the ", "")
        c["headline_subject"] = c["company"]
        return c


def cap(s):
    return s[:1].upper() + s[1:]


def fill(t, ctx):
    return cap(t.format_map(ctx))


def sentences_to_paragraphs(r, sents):
    """News paragraphs: one to three sentences each."""
    paras, i = [], 0
    while i < len(sents):
        k = r.choice([1, 1, 2, 2, 2, 3])
        paras.append(" ".join(sents[i:i + k]))
        i += k
    return paras


def words(paras):
    return sum(len(p.split()) for p in paras)


# A story's own voice: each group's first entry, where the bank uses it, becomes the story's pick.
# Two reporters writing up different events rarely choose the same words throughout.
VOICE = [
    ("said", "said", "noted", "stated"), ("about", "about", "around", "roughly", "some"),
    ("more than", "more than", "over", "upwards of"), ("almost", "almost", "nearly", "close to"),
    ("percent", "percent", "per cent"), ("warned", "warned", "cautioned"),
    ("officials", "officials", "authorities"), ("began", "began", "started"),
    ("largest", "largest", "biggest"), ("spokesperson", "spokesperson", "spokeswoman", "spokesman"),
    ("plan", "plan", "proposal", "scheme"), ("residents", "residents", "locals"),
    ("region", "region", "area"), ("critics", "critics", "opponents", "detractors"),
    ("reporters", "reporters", "journalists"), ("rose", "rose", "climbed", "increased"),
    ("fell", "fell", "dropped", "declined"), ("jobs", "jobs", "positions", "posts"),
    ("workers", "workers", "employees"), ("published", "published", "released"),
    ("study", "study", "research"), ("found", "found", "showed", "concluded"),
    ("customers", "customers", "clients"), ("talks", "talks", "negotiations"),
    ("pay", "pay", "wages"), ("investigation", "investigation", "inquiry", "probe"),
    ("because of", "because of", "due to", "owing to"), ("before", "before", "ahead of"),
    ("after", "after", "following"), ("during", "during", "throughout"),
    ("significant", "significant", "considerable"), ("next week", "next week", "in the coming days"),
    ("company", "company", "firm"), ("told", "told", "informed"), ("expected", "expected", "projected"),
]


def story_voice(r):
    picks = []
    for group in VOICE:
        choice = r.choice(group[1:])
        if choice != group[0]:
            picks.append((re.compile(r"\b%s\b" % re.escape(group[0])), choice))
    return picks


def voiced(picks, text):
    for rx, choice in picks:
        text = rx.sub(choice, text)
    return text


# Colour: eyewitnesses, local voices and scene-setting, dense with fresh names, places and numbers
# so that two stories share few word triples through them.
COLOUR_FRAMES = [
    "{P}, {age}, who has lived on {street} in {district} for {n} years, {sv} that {clause}.",
    "At {clock} on {weekday}, {P} of {org} {sv} that {clause}.",
    "{P}, a {job} from {city}, {sv}: \"{quote}\"",
    "\"{quote}\" {sv} {P}, {n2} , who works as a {job} near {place}.",
    "By {clock}, about {count} people had gathered outside {building} in {place}, where {P} {sv} that {clause}.",
    "{P}, who chairs the {district} {assoc}, {sv} that {clause}, and that {clause2}.",
    "In {place}, {P} {sv} {pronoun} had first heard the news from {source} at about {clock}.",
    "{P} and {P2}, both {job}s in {city}, {sv} that {clause}.",
    "A {n}-year-old {job} who gave {pronoun} name only as {first} {sv} that {clause}.",
    "Figures seen by {outlet_word} show that {count} {things} were recorded in {place} in {month}, up from {count2} a year earlier.",
]
CLAUSES = [
    "nobody had explained what would happen next", "the decision had been taken far too quickly",
    "families on the street were already worried about the winter", "the news came as no surprise",
    "the mood in the neighbourhood had changed in recent weeks", "people felt they had not been listened to",
    "it would take months to understand the consequences", "the authorities should have acted sooner",
    "small businesses would be the first to suffer", "there was still a chance to change course",
    "the community had come together in a remarkable way", "the figures did not match what she saw every day",
    "the younger generation would pay the price", "a proper explanation was long overdue",
    "the promises made last year had not been kept", "the whole town was talking about little else",
    "she had never seen anything like it in her working life", "local people deserved far better",
    "the rules were confusing and poorly communicated", "the costs kept rising while wages stood still",
    "the situation had improved slightly since the spring", "nobody from the head office had visited",
    "the waiting list had doubled in two years", "the bus to the hospital now takes twice as long",
    "the street had been quieter than usual all week", "volunteers were doing work the state used to do",
]
QUOTES = [
    "We just want to know where we stand.", "It has been a very long week for everybody here.",
    "I have lived here all my life and I have never seen it this bad.",
    "Someone has to take responsibility for this.", "We will keep going, because we have no choice.",
    "The people making these decisions do not live here.", "It is a relief, but it is not over yet.",
    "My children keep asking me what is going to happen.", "We were promised answers and got none.",
    "Nobody here is surprised, to be honest.", "Give us the facts and we can cope with the rest.",
    "This affects every family on this street.",
]
JOBS = ["nurse", "bus driver", "teacher", "shopkeeper", "plumber", "pharmacist", "student",
        "retired engineer", "cafe owner", "taxi driver", "care worker", "electrician", "librarian"]
ORGS = ["the local chamber of commerce", "the residents' association", "the citizens' advice office",
        "the regional business forum", "the tenants' union", "a neighbourhood food bank"]
BUILDINGS = ["the town hall", "the main railway station", "the district hospital", "the court building",
             "the company's offices", "the regional parliament"]
ASSOC = ["residents' association", "traders' group", "parents' forum", "history society"]
THINGS = ["complaints", "incidents", "applications", "calls to the helpline", "claims"]
SOURCES = ["a neighbour", "the radio", "a text message from her son", "social media", "a colleague"]
SPEECH = ["said", "told reporters", "explained", "added", "insisted", "recalled"]


def colour_sentence(g, ctx):
    r = g.r
    first = r.choice(FIRST)
    v = {"P": g.person(), "P2": g.person(), "age": r.randint(19, 84), "n": r.randint(3, 60),
         "n2": r.randint(19, 80), "street": r.choice(STREETS), "district": r.choice(DISTRICTS),
         "sv": r.choice(SPEECH), "clause": r.choice(CLAUSES), "clause2": r.choice(CLAUSES),
         "clock": "%d:%02d" % (r.randint(6, 22), r.choice([0, 5, 15, 20, 30, 40, 45, 50])),
         "weekday": ctx["weekday"], "org": r.choice(ORGS), "job": r.choice(JOBS),
         "city": r.choice(CITIES), "quote": r.choice(QUOTES), "place": r.choice(CITIES + DISTRICTS),
         "count": "{:,}".format(r.randint(40, 9000)), "count2": "{:,}".format(r.randint(40, 9000)),
         "building": r.choice(BUILDINGS), "assoc": r.choice(ASSOC),
         "pronoun": r.choice(["she", "he"]), "source": r.choice(SOURCES), "first": first,
         "outlet_word": r.choice(["this agency", "reporters", "the news agency"]),
         "things": r.choice(THINGS), "month": r.choice(MONTHS)}
    text = r.choice(COLOUR_FRAMES).format_map(v)
    if v["pronoun"] == "he":
        text = text.replace("she had", "he had").replace("her son", "his son")
    return cap(text.replace(" , ", ", "))


def general_story(g, kind, when):
    """Title, paragraphs (plain text) and context of one story of a TYPES kind, 150-900 words.

    Stories of one kind draw on the same banks, as reports on one subject share stock phrases; each
    uses part of each bank, its own choice of words (VOICE) and colour sentences of its own."""
    r = g.r
    t = TYPES[kind]
    ctx = g.context(kind, when)
    voice = story_voice(r)
    target = int(150 * (6 ** r.random()))  # log-uniform 150..900 words
    lead = voiced(voice, fill(r.choice(t["leads"]), ctx))
    pool = [fill(x, ctx) for x in r.sample(t["body"], max(3, int(len(t["body"]) * r.uniform(0.3, 0.6))))]
    quotes = [fill(x, ctx) for x in r.sample(t["quotes"], 2)]
    background = [fill(x, ctx) for x in r.sample(t["background"], r.randint(1, 2))]
    sents = []
    n_words = len(lead.split())
    # Body and colour alternate, a quote every few sentences, background in the second half.
    while n_words < target:
        x = r.random()
        if pool and x < 0.45:
            sent = pool.pop()
        elif quotes and x < 0.55:
            sent = quotes.pop()
        elif background and x < 0.6 and len(sents) > 4:
            sent = background.pop()
        else:
            sent = colour_sentence(g, ctx)
        sent = voiced(voice, sent)
        sents.append(sent)
        n_words += len(sent.split())
    if n_words + 20 < 900:
        sents.append(voiced(voice, fill(r.choice(t["closing"]), ctx)))
    paras = [lead] + sentences_to_paragraphs(r, sents)
    title = fill(r.choice(t["headlines"]), ctx)
    return title, paras, ctx


EXTRA_SUBJECTS = ["Local officials", "Residents in {city2}", "Opposition politicians",
                  "Experts contacted by reporters", "Community groups", "Regional lawmakers",
                  "Several independent analysts", "Trade associations"]
EXTRA_VERBS = ["have called for", "are pressing for", "said there should be", "asked for",
               "will push for", "have long demanded"]
EXTRA_OBJECTS = ["a full public inquiry", "clearer information", "an independent review",
                 "more funding from the national government", "a timetable for decisions",
                 "regular progress reports", "compensation for those affected"]
EXTRA_CLAUSES = ["before the end of the year", "as soon as possible",
                 "before any further decisions are taken", "so that lessons can be learned",
                 "once the immediate problems are resolved", "within the next {weeks} weeks"]


def extra_sentence(g, ctx):
    r = g.r
    return fill("%s %s %s %s." % (r.choice(EXTRA_SUBJECTS), r.choice(EXTRA_VERBS),
                                 r.choice(EXTRA_OBJECTS), r.choice(EXTRA_CLAUSES)), ctx)


# ---- same-topic negative families ---------------------------------------------------------------
LEADERS = {"a": ("President", "Amara Okafor", "Veldonia", "Veldonian"),
           "b": ("Prime Minister", "Henrik Lindgren", "Norhavn", "Norhavnian")}
SUMMIT_SUBJECTS = {
    "trade": ["a new trade agreement", "tariffs on steel and aluminium", "customs checks at the border",
              "agricultural exports", "the removal of quotas on fish"],
    "energy": ["a subsea power cable", "gas supplies for the winter", "a joint offshore wind programme",
               "hydrogen pipelines", "nuclear safety cooperation"],
    "security": ["border security", "intelligence sharing", "joint naval patrols",
                 "cyber defence cooperation", "a new defence procurement pact"],
    "migration": ["the return of rejected asylum seekers", "seasonal work visas",
                  "a joint processing centre", "student exchanges", "recognition of qualifications"],
    "climate": ["emissions targets", "a shared carbon price", "protection of the northern forests",
                "funding for coastal defences", "an end to coal power"],
}
SUMMIT_SHARED_BACKGROUND = [
    "{a_title} {a_name} and {b_title} {b_name} have met {meetings} times since {b_name} took office, "
    "and aides on both sides describe a cordial if sometimes tense working relationship.",
    "Relations between {a_country} and {b_country} were strained for much of the last decade by a dispute "
    "over fishing rights in the waters between the two countries, which was settled only two years ago.",
    "{a_country} is {b_country}'s second-largest trading partner, with trade between the two worth about "
    "{trade} a year.",
    "Both leaders face elections within the next eighteen months, and both have made the economy the "
    "centre of their campaigns.",
]
SUMMIT_TEMPLATE = [
    "{a_title} {a_name} of {a_country} and {b_title} {b_name} of {b_country} met for {hours} hours in "
    "{city} on {weekday}, with talks focused on {subject}.",
    "The two leaders held a joint news conference at {venue} after the meeting, where they said progress "
    "had been made on {subject} but that differences remained on {subject2}.",
    "Officials from both governments said a working group would report back on {subject} within "
    "{weeks} weeks.",
    "{a_name} said the talks had been \"frank and constructive\" and that {a_country} was ready to "
    "\"go further than ever before\" on {subject}.",
    "{b_name} told reporters that {b_country} would not accept any deal on {subject2} that put "
    "{b_adj} jobs at risk.",
    "Protesters gathered outside {venue} during the talks, calling for {protest}.",
    "The leaders were joined for part of the meeting by their foreign ministers, {a_minister} and "
    "{b_minister}.",
    "A joint statement released after the meeting said both sides were committed to \"deepening "
    "cooperation on {subject}\" and to meeting again before the end of {month}.",
    "Business groups in both countries welcomed the focus on {subject}, saying that uncertainty had "
    "held back investment worth about {investment}.",
    "Analysts said the meeting was mostly symbolic, with the difficult decisions on {subject2} left for "
    "later.",
    "{expert}, a specialist in regional politics at {university}, said the summit showed both leaders "
    "needed a success at home.",
    "Asked whether a full agreement could be signed this year, {a_name} said: \"That is our ambition, "
    "and I believe it is realistic.\"",
    "The {b_adj} opposition accused {b_name} of making concessions on {subject} without consulting "
    "parliament.",
    "Security in {city} was tight, with several streets around {venue} closed to traffic from early "
    "morning.",
]


def summit_report(g, leaders_ctx, subject_key, when):
    r = g.r
    subj = SUMMIT_SUBJECTS[subject_key]
    other = r.choice([k for k in SUMMIT_SUBJECTS if k != subject_key])
    ctx = dict(leaders_ctx)
    ctx.update({
        "city": r.choice(CITIES), "city2": r.choice(CITIES), "weekday": WEEKDAYS[when.weekday()],
        "hours": r.randint(2, 7),
        "subject": r.choice(subj), "subject2": r.choice(SUMMIT_SUBJECTS[other]),
        "venue": r.choice(["the Palace of Congresses", "the old customs house", "the Grand Hotel",
                           "the foreign ministry", "the Harbour Conference Centre"]),
        "weeks": r.randint(4, 16), "month": r.choice(MONTHS),
        "protest": r.choice(["action on climate change", "the release of political prisoners",
                             "protection for fishing communities", "higher wages for farm workers"]),
        "investment": fmt_money(round(r.uniform(5e8, 9e9), -6)),
        "expert": "Professor " + g.person(), "university": r.choice(UNIVERSITIES),
    })
    target = int(180 * (4 ** r.random()))
    sents = [fill(s, ctx) for s in SUMMIT_TEMPLATE]
    lead, rest = sents[0], sents[1:]
    r.shuffle(rest)
    shared = [fill(s, ctx) for s in r.sample(SUMMIT_SHARED_BACKGROUND, 2)]
    chosen, n = [], len(lead.split())
    for s in rest:
        if n >= target:
            break
        chosen.append(s)
        n += len(s.split())
    while n < target:
        s = extra_sentence(g, ctx)
        chosen.append(s)
        n += len(s.split())
    paras = [lead] + sentences_to_paragraphs(r, chosen) + shared  # background verbatim at the end
    titles = [fill(t, ctx) for t in [
        "{a_name} and {b_name} discuss {subject} at {city} summit",
        "{a_country}-{b_country} summit: leaders focus on {subject}",
        "{b_name} meets {a_name} in {city}; {subject} tops agenda",
        "Leaders of {a_country} and {b_country} hold talks on {subject}",
    ]]
    return r.choice(titles), paras, titles


MARKET_TEMPLATE = [
    "Stocks {closed_dir} on {weekday} as investors {driver}, with the Meridian 100 index ending the "
    "session {m100_pct} percent {m100_dir} at {m100}.",
    "The broader All-Share index {all_dir} {all_pct} percent to {all_val}, while the technology-heavy "
    "TechMark {tech_dir} {tech_pct} percent.",
    "{top} led the gainers, rising {top_pct} percent after {top_reason}.",
    "At the other end of the index, {bottom} fell {bottom_pct} percent after {bottom_reason}.",
    "Trading volumes were {volume_word}, with about {volume} million shares changing hands, compared "
    "with a 30-day average of {avg_volume} million.",
    "The euro {eur_dir} {eur_pct} percent against the dollar to {eur_val}, and the yield on the "
    "ten-year government bond {yield_dir} to {yield_val} percent.",
    "Brent crude {oil_dir} {oil_pct} percent to {oil_val} dollars a barrel, and gold {gold_dir} to "
    "{gold_val} dollars an ounce.",
    "Banks were {bank_word}, with Veritan Bank {bank_dir} {bank_pct} percent and Granite Mutual "
    "{bank2_dir} {bank2_pct} percent.",
    "Energy shares {energy_dir}, tracking the price of oil; Halvorsen Energy ended {energy_pct} "
    "percent {energy_dir2}.",
    "\"{quote}\" said {strategist}, chief market strategist at {bank}.",
    "Investors are now looking ahead to {next_event} on {next_day}, which could set the direction for "
    "interest rates.",
    "Of the 100 stocks in the index, {advancers} rose and {decliners} fell.",
    "The index has {ytd_dir} {ytd} percent since the start of the year.",
    "In Asia overnight, the Nikkei {nikkei_dir} {nikkei_pct} percent and Hong Kong's Hang Seng "
    "{hs_dir} {hs_pct} percent.",
]
MARKET_DRIVERS = ["weighed fresh inflation figures", "looked ahead to the central bank's meeting",
                  "digested a batch of company results", "reacted to weak factory data from China",
                  "bet on lower interest rates", "worried about rising bond yields"]
MARKET_QUOTES = ["Markets are caught between hopes of rate cuts and fears of a slowdown,",
                 "Today was all about the bond market,",
                 "We are seeing a rotation out of growth stocks into more defensive sectors,",
                 "Earnings have been better than feared, and that is supporting prices,",
                 "It was a quiet session, and nobody wanted to take big bets before the data,"]
MOVER_REASONS = ["raising its full-year forecast", "an upgrade from analysts at Hollis & Co",
                 "reporting a surprise loss", "announcing a share buyback",
                 "news of a takeover approach", "a profit warning", "losing a major contract"]


def market_wrap(g, when):
    r = g.r
    up = r.random() < 0.5

    def d(u):
        return "rose" if u else "fell"

    def ing(u):
        return "rising" if u else "falling"

    def pct(lo=0.1, hi=2.5):
        return "%.1f" % r.uniform(lo, hi)

    top, bottom = r.sample(COMPANIES, 2)
    ctx = {
        "closed_dir": "rose" if up else "fell", "weekday": WEEKDAYS[when.weekday()],
        "driver": r.choice(MARKET_DRIVERS), "m100_pct": pct(), "m100_dir": "higher" if up else "lower",
        "m100": "{:,.2f}".format(r.uniform(7400, 8200)), "all_dir": d(up), "all_pct": pct(),
        "all_val": "{:,.2f}".format(r.uniform(4100, 4600)), "tech_dir": d(r.random() < 0.5),
        "tech_pct": pct(), "top": top, "top_pct": pct(3, 12), "top_reason": r.choice(MOVER_REASONS),
        "bottom": bottom, "bottom_pct": pct(3, 15), "bottom_reason": r.choice(MOVER_REASONS),
        "volume_word": r.choice(["light", "heavy", "about average", "thin"]),
        "volume": "%.0f" % r.uniform(400, 1200), "avg_volume": "%.0f" % r.uniform(600, 900),
        "eur_dir": d(r.random() < 0.5), "eur_pct": pct(0.1, 0.8),
        "eur_val": "%.4f" % r.uniform(1.05, 1.12), "yield_dir": r.choice(["rose", "fell", "edged up",
                                                                          "slipped"]),
        "yield_val": "%.2f" % r.uniform(2.1, 3.2), "oil_dir": d(r.random() < 0.5),
        "oil_pct": pct(0.2, 3), "oil_val": "%.2f" % r.uniform(74, 92), "gold_dir": d(r.random() < 0.5),
        "gold_val": "{:,.0f}".format(r.uniform(2200, 2450)),
        "bank_word": r.choice(["mixed", "higher", "lower", "under pressure"]),
        "bank_dir": ing(r.random() < 0.5), "bank_pct": pct(), "bank2_dir": ing(r.random() < 0.5),
        "bank2_pct": pct(), "energy_dir": "gained" if r.random() < 0.5 else "slipped",
        "energy_pct": pct(), "energy_dir2": "higher" if r.random() < 0.5 else "lower",
        "quote": r.choice(MARKET_QUOTES), "strategist": g.person(), "bank": r.choice(BANKS),
        "next_event": r.choice(["inflation data", "the central bank's rate decision",
                                "the monthly jobs report", "retail sales figures"]),
        "next_day": WEEKDAYS[(when.weekday() + r.randint(1, 3)) % 7],
        "advancers": r.randint(20, 80), "ytd_dir": r.choice(["gained", "risen", "lost"]),
        "ytd": pct(1, 12), "nikkei_dir": d(r.random() < 0.5), "nikkei_pct": pct(),
        "hs_dir": d(r.random() < 0.5), "hs_pct": pct(),
    }
    ctx["decliners"] = 100 - ctx["advancers"] - r.randint(0, 4)
    sents = [fill(s, ctx) for s in MARKET_TEMPLATE]
    # One template, so the order is fixed too; a wrap leaves out a sentence or two.
    keep = [s for i, s in enumerate(sents) if i < 2 or r.random() < 0.85]
    paras = sentences_to_paragraphs(r, keep)
    titles = [fill(t, ctx) for t in [
        "Stocks {closed_dir} as investors {driver}",
        "Markets: Meridian 100 ends {m100_pct}% {m100_dir}",
        "Market close: {top} leads gains, {bottom} slides",
    ]]
    return r.choice(titles), paras, titles


TEAMS = ["Northbridge Rovers", "Ashcombe United", "Port Elling Athletic", "Kingsreach City",
         "Easthaven Town", "Coldwater Wanderers", "Redcliffe Albion", "Thornbury Rangers",
         "Westmoor FC", "Silverton Harriers", "Castleton Villa", "Fenwick Athletic",
         "Millbrook Town", "Ravensworth City", "Stonehaven United", "Lindenport County"]
MATCH_TEMPLATE = [
    "{winner} beat {loser} {ws}-{ls} at {stadium} on {weekday} to move {pos} in the Premier Division "
    "table.",
    "GOALS",
    "Both managers made changes at half-time, and the second half was played at a higher tempo, with "
    "chances at both ends.",
    "Referee {referee} waved away two penalty appeals from {loser} in the closing stages.",
    "{loser} had the better of the opening exchanges, and their goalkeeper {keeper} was rarely tested "
    "until the goal.",
    "The attendance was {crowd}, the highest at {stadium} this season.",
    "{winner} manager {wmanager} said: \"{wquote}\"",
    "{loser} manager {lmanager} said the team had \"{lquote}\".",
    "{player} was booked for a late challenge on {victim} shortly before half-time.",
    "The result leaves {loser} {lpos} with {lpts} points from {played} games.",
    "{winner} have now won {streak} of their last {streak_of} league matches.",
    "{winner} travel to {next_opp} next {next_day}, while {loser} host {next_opp2}.",
]
GOALS = ["heading in a corner from {assist}", "curling a free kick into the top corner",
         "finishing calmly after a pass from {assist}", "firing in from the edge of the area",
         "tapping in at the far post", "converting a penalty after a foul on {assist}"]
WQUOTES = ["We showed real character today, and the fans were brilliant.",
           "It was not pretty, but three points are three points.",
           "I asked the players for intensity and they gave me everything.",
           "We were second best for twenty minutes, then we took control."]
LQUOTES = ["given away two soft goals", "not done enough in either box",
           "deserved at least a point", "run out of energy in the second half"]


def match_report(g, home, away, when):
    r = g.r
    hs, as_ = r.choice([(1, 0), (2, 1), (3, 1), (2, 0), (3, 2), (4, 1), (0, 1), (1, 2), (1, 3)])
    winner, loser, ws, ls = (home, away, hs, as_) if hs > as_ else (away, home, as_, hs)
    ctx = {"winner": winner, "loser": loser, "ws": ws, "ls": ls,
           "stadium": "%s Park" % home.split()[0], "weekday": WEEKDAYS[when.weekday()],
           "pos": r.choice(["up to third", "into the top four", "level on points with the leaders",
                            "clear of the relegation places", "up to sixth"]),
           "scorer1": g.person(), "scorer2": g.person(), "scorer3": g.person(),
           "lscorer": g.person(), "assist": g.person(), "keeper": g.person(),
           "m1": ordinal(r.randint(5, 38)), "m2": r.randint(3, 15), "m3": ordinal(r.randint(55, 85)),
           "crowd": "{:,}".format(r.randint(8000, 41000)), "wmanager": g.person(),
           "lmanager": g.person(), "wquote": r.choice(WQUOTES), "lquote": r.choice(LQUOTES),
           "player": g.person(), "victim": g.person(), "lpos": ordinal(r.randint(8, 18)),
           "lpts": r.randint(18, 50), "played": r.randint(28, 34), "streak": r.randint(3, 6),
           "streak_of": 6, "next_opp": r.choice([t for t in TEAMS if t not in (home, away)]),
           "next_opp2": r.choice([t for t in TEAMS if t not in (home, away)]),
           "next_day": r.choice(["Saturday", "Sunday", "Tuesday"])}
    for k in ("goal1", "goal2", "goal3"):
        ctx[k] = fill(r.choice(GOALS), ctx)
        ctx[k] = ctx[k][:1].lower() + ctx[k][1:]
    ctx["goal2"] = ctx["goal2"].replace("heading", "headed").replace("curling", "curled") \
        .replace("finishing", "finished").replace("firing", "fired").replace("tapping", "tapped") \
        .replace("converting", "converted")
    ctx["referee"] = g.person()
    goals = ["{scorer1} opened the scoring in the {m1} minute, {goal1}."]
    if ls >= 1:
        goals.append("{loser} equalised through {lscorer} {m2} minutes later, but {winner} "
                     "regained the lead when {scorer2} {goal2} in the {m3} minute.")
    elif ws >= 2:
        goals.append("{scorer2} doubled the lead in the {m3} minute after {winner} broke quickly "
                     "from a {loser} corner.")
    if ws >= 3:
        goals.append("{scorer3} sealed the win in stoppage time, {goal3}.")
    sents = []
    for s in MATCH_TEMPLATE:
        sents += [fill(x, ctx) for x in goals] if s == "GOALS" else [fill(s, ctx)]
    keep = [s for i, s in enumerate(sents) if i < 3 or r.random() < 0.9]
    paras = sentences_to_paragraphs(r, keep)
    titles = [fill(t, ctx) for t in ["{winner} beat {loser} {ws}-{ls}", "{winner} {ws} {loser} {ls}",
                                     "{scorer1} on target as {winner} beat {loser}"]]
    return r.choice(titles), paras, titles


# ---- variants --------------------------------------------------------------------------------------
COPY_EDITS = [(" percent", "%"), ("organisation", "organization"), ("centre", "center"),
              ("programme", "program"), ("labour", "labor"), ("kilometres", "km"),
              (" did not ", " didn't "), (" could not ", " couldn't "), (" would not ", " wouldn't "),
              (" is not ", " isn't "), (" has not ", " hasn't "), (" said on ", " announced on "),
              ("about ", "around "), ("more than ", "over "), (" million", "m"),
              (" billion", "bn"), ("Dr ", "Dr. "), (" euros", " EUR")]
INTROS = [
    "{outlet} has been following this story closely. Below is the latest report from our partners at "
    "{wire}, with additional details where we have them.",
    "Readers in our area have asked us about this for weeks, so here is what we know so far, based on "
    "reporting by {wire}. We will update this page as the situation develops.",
    "This is a developing story. Our newsroom is checking the details with local sources, and we will "
    "add our own reporting later today.",
    "Why it matters to you: decisions like this one affect household budgets, jobs and services across "
    "the region, and our readers have told us they want to understand them.",
    "Editor's note: {outlet} publishes wire reports like this one so that our readers get national "
    "news alongside our own local coverage.",
]
OUTROS = [
    "Do you have a story about this? Our reporters would like to hear from you. Contact the {outlet} "
    "newsroom in confidence at news@{host} or message us on our website.",
    "What do you think? Join the discussion in the comments below, and read our earlier coverage of "
    "this issue in our archive.",
    "{outlet} will have more on this story in tomorrow's print edition, including reaction from local "
    "businesses and community leaders.",
    "Our weekly newsletter rounds up the most important stories from the region every Friday morning. "
    "It is free, and you can unsubscribe at any time.",
]
SIGNOFFS = [
    "(Reporting by {p1}; Additional reporting by {p2}; Editing by {p3})",
    "© 2024 {wire}. All rights reserved. This material may not be published, broadcast, rewritten or "
    "redistributed.",
    "Share this article: Facebook | X | LinkedIn | WhatsApp | Email",
    "Sign up for our daily briefing to get the top stories in your inbox.",
    "Follow {outlet} on Facebook and Instagram for the latest news.",
    "Copyright {wire} 2024",
    "This article originally appeared on {wire_host}.",
    "Related: More stories from {outlet}",
]
TRACKING = ["utm_source=newshub&utm_medium=rss&utm_campaign=top", "utm_source=feed&utm_medium=aggregator",
            "fbclid=IwAR2xk9Lq", "utm_campaign=morning-digest&utm_source=headlinestream",
            "gclid=Cj0KCQjw&utm_medium=cpc", "mc_cid=8f2a1c&mc_eid=55e"]


def copy_edit(r, paras, rate=0.5):
    """Light edits: style substitutions, a sentence trimmed from one long paragraph."""
    out = []
    for p in paras:
        for a, b in COPY_EDITS:
            if a in p and r.random() < rate:
                p = p.replace(a, b)
        if " said." in p and r.random() < 0.5:
            p = p.replace(" said.", " says.")
        out.append(p)
    long_paras = [i for i, p in enumerate(out) if p.count(". ") >= 2 and i > 0]
    if long_paras:
        i = r.choice(long_paras)
        parts = out[i].split(". ")
        del parts[r.randrange(1, len(parts))]
        out[i] = ". ".join(parts)
        if not out[i].endswith((".", "\"", "?", "!")):
            out[i] += "."
    return out


def rewrite_headline(r, story, title):
    alts = [h for h in story["alt_titles"] if h != title]
    return r.choice(alts) if alts else "Latest: " + title


def apply_variant(g, story, kind, outlet, host):
    """(title, paragraphs) of one copy of `story` with one variant kind applied."""
    r = g.r
    title, paras = story["title"], list(story["paras"])
    wire, wire_short, wire_host = story["wire"]
    fmt = {"outlet": outlet, "host": host, "wire": wire, "wire_host": wire_host, "p1": g.person(),
           "p2": g.person(), "p3": g.person()}
    if kind == "rewritten-headline":
        title = rewrite_headline(r, story, title)
    elif kind == "intro-outro":
        x = r.random()
        if x < 0.4 or x >= 0.7:
            paras = [r.choice(INTROS).format_map(fmt)] + paras
        if x >= 0.4:
            paras = paras + [r.choice(OUTROS).format_map(fmt)]
    elif kind == "signoff-boilerplate":
        dateline = "%s (%s) — " % (story["city"].upper(), wire_short)
        paras[0] = dateline + paras[0]
        paras += [s.format_map(fmt) for s in r.sample(SIGNOFFS, r.randint(2, 4))]
        if r.random() < 0.5:
            title = "%s | %s" % (title, outlet)
    elif kind == "copy-edit":
        paras = copy_edit(r, paras)
    elif kind == "dropped-paragraph":
        if len(paras) > 2:
            del paras[r.randrange(1, len(paras))]
    elif kind == "moved-paragraph":
        if len(paras) > 3:
            i = r.randrange(1, len(paras))
            p = paras.pop(i)
            j = r.choice([k for k in range(1, len(paras) + 1) if k != i])
            paras.insert(j, p)
    elif kind == "first-half-read-more":
        half = max(1, (len(paras) + 1) // 2)
        paras = paras[:half] + ["READMORE"]
    elif kind in ("combined", "late-rerun"):
        if kind == "combined" or r.random() < 0.5:
            title = rewrite_headline(r, story, title)
        paras = copy_edit(r, paras, rate=0.3)
        paras += [s.format_map(fmt) for s in r.sample(SIGNOFFS, 2)]
        if kind == "combined" and r.random() < 0.5:
            paras = [r.choice(INTROS).format_map(fmt)] + paras
    return title, paras


def to_html(r, paras, read_more_url=None, outlet=None):
    out = []
    for p in paras:
        if p == "READMORE":
            out.append('<p><a href="%s">%s</a></p>' % (escape(read_more_url), r.choice([
                "Read more", "Read more &raquo;", "Continue reading at %s" % escape(outlet or ""),
                "Read the full story"])))
        elif p.startswith("Share this article") or p.startswith("©"):
            out.append("<p><small>%s</small></p>" % escape(p))
        else:
            out.append("<p>%s</p>" % escape(p))
    return "\n".join(out)


def slugify(title):
    s = "".join(ch if ch.isalnum() else "-" for ch in title.lower())
    return "-".join(x for x in s.split("-") if x)[:70]


def rfc822(t):
    u = t.astimezone(UTC)
    return "%s, %02d %s %d %02d:%02d:%02d +0000" % (DAYS[u.weekday()], u.day, MON3[u.month - 1],
                                                   u.year, u.hour, u.minute, u.second)


def utc_str(t):
    return t.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


VARIANTS = ["rewritten-headline", "intro-outro", "signoff-boilerplate", "copy-edit",
            "dropped-paragraph", "moved-paragraph", "first-half-read-more", "combined"]


def build(args):
    r = random.Random(args.seed)
    g = Gen(r)
    os.makedirs(os.path.join(args.out, "feeds"), exist_ok=True)
    feeds = {}  # file name -> {"title", "host", "items": [...]}

    def feed_of(name, host):
        fname = host.split(".")[0] + ".xml"
        if fname not in feeds:
            feeds[fname] = {"title": name, "host": host, "items": []}
        return fname

    stories = []  # {"sid", "title", "paras", "alt_titles", "wire", "time", "negative", "topic", "city"}
    span = dt.timedelta(days=args.days)

    def add_story(title, paras, when, negative=None, topic=None, alt_titles=None, city=None):
        stories.append({"sid": "H%04d" % len(stories), "title": title, "paras": paras,
                        "alt_titles": alt_titles or [], "wire": r.choice(WIRES), "time": when,
                        "negative": negative, "topic": topic, "city": city or r.choice(CITIES)})

    kinds = sorted(TYPES)
    for s in range(args.stories):
        kind = kinds[s % len(kinds)]
        when = BASE_TIME + dt.timedelta(seconds=r.randrange(int(span.total_seconds())))
        title, paras, ctx = general_story(g, kind, when)
        alts = [fill(h, ctx) for h in TYPES[kind]["headlines"]]
        add_story(title, paras, when, alt_titles=alts, city=ctx["city"])

    # Summit reports: one pair of leaders, several meetings over the period (some on consecutive
    # days, inside the window), each about another subject.
    leaders = {"a_title": LEADERS["a"][0], "a_name": LEADERS["a"][1], "a_country": LEADERS["a"][2],
               "b_title": LEADERS["b"][0], "b_name": LEADERS["b"][1], "b_country": LEADERS["b"][2],
               "b_adj": LEADERS["b"][3], "meetings": r.randint(5, 9),
               "trade": fmt_money(round(r.uniform(2e10, 6e10), -8)),
               "a_minister": g.person(), "b_minister": g.person()}
    subjects = sorted(SUMMIT_SUBJECTS)
    t = BASE_TIME + dt.timedelta(hours=10)
    for s in range(args.summits):
        title, paras, alts = summit_report(g, leaders, subjects[s % len(subjects)], t)
        add_story(title, paras, t, negative="summit", topic="summit-1", alt_titles=alts)
        t += dt.timedelta(hours=r.choice([5, 20, 26, 30, 48]))
    # Daily market wraps at 17:00, weekdays.
    day = BASE_TIME.replace(hour=16, minute=45)
    made = 0
    while made < args.wraps:
        if day.weekday() < 5:
            title, paras, alts = market_wrap(g, day)
            add_story(title, paras, day, negative="market-wrap", topic="market-wrap-1",
                      alt_titles=alts)
            made += 1
        day += dt.timedelta(days=1)
    # Match reports: rounds of eight matches on Saturdays.
    sat = BASE_TIME + dt.timedelta(days=(5 - BASE_TIME.weekday()) % 7)
    for rnd in range(args.rounds):
        teams = list(TEAMS)
        r.shuffle(teams)
        for m in range(len(teams) // 2):
            when = sat.replace(hour=17, minute=0) + dt.timedelta(days=7 * rnd, minutes=r.randrange(0, 90))
            title, paras, alts = match_report(g, teams[2 * m], teams[2 * m + 1], when)
            add_story(title, paras, when, negative="match-report", topic="match-report-1",
                      alt_titles=alts)

    # Originals in the agencies' feeds; copies in outlets; aggregator items link to outlet copies.
    v = 0
    truth = []

    def add_item(fname, story, title, paras, when, variant, negative, link, read_more=None,
                 outlet=None, html=None):
        host = feeds[fname]["host"]
        guid = "%s-%s-%d" % (host.split(".")[0], story["sid"].lower(), len(feeds[fname]["items"]))
        it = {"title": title, "link": link, "guid": guid, "when": when,
              "html": html if html is not None else to_html(r, paras, read_more, outlet),
              "author": g.person()}
        feeds[fname]["items"].append(it)
        truth.append({"feed": fname, "id": guid, "link": link, "title": title, "utc": utc_str(when),
                      "story": story["sid"], "variant": variant, "negative": negative,
                      "topic": story["topic"]})

    for st in stories:
        wire, _, wire_host = st["wire"]
        wfile = feed_of(wire, wire_host)
        slug = slugify(st["title"])
        link = "https://%s/%s/%s-%s" % (wire_host, st["time"].strftime("%Y/%m/%d"), slug,
                                        st["sid"][1:])
        add_item(wfile, st, st["title"], st["paras"], st["time"], "original", st["negative"], link)
        n_copies = r.choice([0, 1, 2, 2, 3, 3, 4]) if st["negative"] is None else r.choice([0, 1, 1, 2])
        outlets = r.sample(OUTLETS, n_copies)
        latest = st["time"]
        copies = []
        for name, host in outlets:
            kind = VARIANTS[v % len(VARIANTS)]
            v += 1
            if r.random() < 0.1:
                shift = dt.timedelta(seconds=r.randrange(20 * 3600, 70 * 3600))
            else:
                shift = dt.timedelta(seconds=r.randrange(300, 6 * 3600))
            when = st["time"] + shift
            latest = max(latest, when)
            fname = feed_of(name, host)
            clink = "https://%s/news/%s/%s-%d" % (host, when.strftime("%Y/%m/%d"), slug[:50],
                                                  r.randrange(10 ** 5, 10 ** 6))
            title, paras = apply_variant(g, st, kind, name, host)
            add_item(fname, st, title, paras, when, kind, st["negative"], clink, read_more=clink,
                     outlet=name)
            copies.append((name, clink, title, paras, when))
        # Aggregator: a short item linking to one outlet's copy, tracking parameters added.
        if copies and r.random() < args.aggregator_share:
            name, clink, title, paras, when = r.choice(copies)
            aname, ahost = r.choice(AGGREGATORS)
            afile = feed_of(aname, ahost)
            alink = clink + "?" + r.choice(TRACKING)
            first = paras[0] if not paras[0].startswith(tuple(i[:20] for i in INTROS)) else paras[1]
            snippet = " ".join(first.split()[:r.randint(25, 45)]) + " …"
            html = "<p>%s</p><p>Source: %s</p>" % (escape(snippet), escape(name))
            add_item(afile, st, "%s - %s" % (title, name) if r.random() < 0.5 else title, [],
                     when + dt.timedelta(minutes=r.randrange(5, 90)), "aggregator-link",
                     st["negative"], alink, html=html)
        # A re-run more than 72 h after every other copy: a separate story for the window.
        if st["negative"] is None and r.random() < args.late_share:
            name, host = r.choice(OUTLETS)
            fname = feed_of(name, host)
            when = latest + dt.timedelta(seconds=r.randrange(76 * 3600, 120 * 3600))
            clink = "https://%s/news/%s/%s-%d" % (host, when.strftime("%Y/%m/%d"), slug[:50],
                                                  r.randrange(10 ** 5, 10 ** 6))
            title, paras = apply_variant(g, st, "late-rerun", name, host)
            add_item(fname, st, title, paras, when, "late-rerun", "outside-window", clink)

    # Feeds list items newest first, as real feeds do; items.jsonl follows the same order.
    order = {}
    manifest = []
    for fname in sorted(feeds):
        f = feeds[fname]
        f["items"].sort(key=lambda it: (it["when"], it["guid"]), reverse=True)
        for i, it in enumerate(f["items"]):
            order[(fname, it["guid"])] = i
        out = ['<?xml version="1.0" encoding="UTF-8"?>',
               '<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/" '
               'xmlns:dc="http://purl.org/dc/elements/1.1/">', "  <channel>",
               "    <title>%s</title>" % escape(f["title"]),
               "    <link>https://%s/</link>" % f["host"],
               "    <description>News from %s</description>" % escape(f["title"]),
               "    <language>en</language>"]
        for it in f["items"]:
            summary = it["html"].split("</p>")[0] + "</p>"
            out += ["    <item>", "      <title>%s</title>" % escape(it["title"]),
                    "      <link>%s</link>" % escape(it["link"]),
                    '      <guid isPermaLink="false">%s</guid>' % escape(it["guid"]),
                    "      <pubDate>%s</pubDate>" % rfc822(it["when"]),
                    "      <dc:creator>%s</dc:creator>" % escape(it["author"]),
                    "      <description>%s</description>" % escape(summary),
                    "      <content:encoded><![CDATA[%s]]></content:encoded>" % it["html"],
                    "    </item>"]
        out += ["  </channel>", "</rss>", ""]
        data = "\n".join(out).encode("utf-8")
        with open(os.path.join(args.out, "feeds", fname), "wb") as fh:
            fh.write(data)
        manifest.append({"file": fname, "format": "rss2.0", "items": len(f["items"]),
                         "bytes": len(data), "title": f["title"]})
    for t in truth:
        t["i"] = order[(t["feed"], t["id"])]
    truth.sort(key=lambda t: (t["feed"], t["i"]))
    with open(os.path.join(args.out, "items.jsonl"), "w", encoding="utf-8") as fh:
        for t in truth:
            fh.write(json.dumps(t, ensure_ascii=False, sort_keys=True) + "\n")
    counts = {}
    for t in truth:
        counts[t["variant"]] = counts.get(t["variant"], 0) + 1
    summary = {"generator": "gen_hard.py", "seed": args.seed, "feeds": len(feeds),
               "items": len(truth), "stories": len(stories), "variants": dict(sorted(counts.items())),
               "words_min": min(words(s["paras"]) for s in stories),
               "words_max": max(words(s["paras"]) for s in stories),
               "generator_args": {k: val for k, val in vars(args).items() if k != "out"}}
    with open(os.path.join(args.out, "manifest.json"), "w", encoding="utf-8") as fh:
        json.dump({"summary": summary, "feeds": manifest}, fh, ensure_ascii=False, indent=1)
    return summary


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", required=True, help="output directory")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--stories", type=int, default=280, help="general news stories")
    ap.add_argument("--days", type=int, default=21, help="days the stories spread over")
    ap.add_argument("--summits", type=int, default=10, help="summit reports (same two leaders)")
    ap.add_argument("--wraps", type=int, default=15, help="daily market wraps")
    ap.add_argument("--rounds", type=int, default=3, help="match rounds of eight reports")
    ap.add_argument("--aggregator-share", type=float, default=0.3,
                    help="share of stories an aggregator links to")
    ap.add_argument("--late-share", type=float, default=0.06,
                    help="share of general stories re-run more than 72 h later")
    args = ap.parse_args()
    print(json.dumps(build(args)), file=sys.stderr)


if __name__ == "__main__":
    main()
