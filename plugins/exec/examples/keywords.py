#!/usr/bin/env python3
"""Tags a story with its keywords: an example command for feedwire's exec plugin.

The protocol (plugins/exec/README.md has all of it):
  * feedwired starts the command once per story, with no shell, in the config file's folder.
  * stdin is one JSON object describing the story, then end of file: story_id, feed_id,
    feed_title, id, link, title, text, summary_html, content_html, published, updated, language,
    image, comments (strings, or null when missing), categories, authors, enclosures, tags (lists
    of strings; tags are those earlier plugins gave) and summary (an earlier plugin's, or null).
  * stdout is nothing (the story goes on unchanged) or one JSON object, every key optional:
      {"tags": ["plain", {"tag": "volcano", "label": "Volcano", "score": 0.8}],
       "summary": "plain text", "attrs": {"key": <any JSON>}, "verdict": "keep" | "drop"}
  * Exiting with a non-zero status, printing anything else, or running past the plugin's
    timeout fails the call: the story goes on unchanged and the end of stderr is logged.

Settings come from the environment, i.e. the plugin's "env":
  KEYWORDS_MAX        how many keywords at most (default 5)
  KEYWORDS_MIN_COUNT  how often a word must occur, a title mention counting 3 (default 2)

Try it by hand:
  echo '{"title": "Volcano erupts", "text": "The volcano erupted at dawn."}' | python3 keywords.py

Standard library only, so that it runs wherever python3 does.
"""

import collections
import json
import os
import re
import sys

# Function words and newsroom filler that make poor tags.
STOP_WORDS = frozenset("""
a about above after again against all also am an and any are as at be because been before being
below between both but by can could did do does doing down during each even ever every few for
from further had has have having he her here hers herself him himself his how however i if in into
is it its itself just last least less like made make many may me might more most much must my near
myself new no nor not now of off often on once one only or other our ours ourselves out over own
per said same say says she should since so some still such than that the their theirs them
themselves then there these they this those though through to too two under until up upon us
very via was we well were what when where which while who whom whose why will with within without
would year years yet you your yours yourself yourselves according told news report reports
reported week today yesterday tomorrow monday tuesday wednesday thursday friday saturday sunday
""".split())

# A word: letters (any script), with apostrophes or hyphens inside ("don't", "e-mail").
WORD = re.compile(r"[^\W\d_](?:[\w'\u2019-]*[^\W_])?")

TITLE_WEIGHT = 3


def setting(name, default):
    try:
        value = int(os.environ.get(name, default))
    except ValueError:
        sys.exit(f"{name} must be a whole number")  # a message on stderr and status 1
    return max(value, 0)


def keywords(title, text, limit, min_count, known=()):
    """The `limit` best (slug, label, score) of a story, best first, leaving out `known` slugs."""
    scores = collections.Counter()
    forms = collections.defaultdict(collections.Counter)  # how each word is written
    first_seen = {}
    for weight, body in ((TITLE_WEIGHT, title), (1, text)):
        for match in WORD.finditer(body):
            form = match.group()
            word = form.lower().replace("\u2019", "'")
            if len(word) < 3 or word in STOP_WORDS:
                continue
            scores[word] += weight
            forms[word][form] += 1
            first_seen.setdefault(word, len(first_seen))
    ranked = sorted((w for w in scores if scores[w] >= min_count and w not in known),
                    key=lambda w: (-scores[w], first_seen[w]))[:limit]
    if not ranked:
        return []
    best = scores[ranked[0]]
    return [(word, label(forms[word]), round(scores[word] / best, 2)) for word in ranked]


def label(forms):
    """The way a word is most often written, capitalised unless it has capitals of its own."""
    form = forms.most_common(1)[0][0]
    return form if any(c.isupper() for c in form) else form[0].upper() + form[1:]


def main():
    story = json.load(sys.stdin.buffer)
    title = story.get("title") or ""
    text = story.get("text") or ""
    known = set(story.get("tags") or [])
    found = keywords(title, text, setting("KEYWORDS_MAX", 5), setting("KEYWORDS_MIN_COUNT", 2),
                     known)
    answer = {
        "tags": [{"tag": slug, "label": label, "score": score} for slug, label, score in found],
        "attrs": {"words": sum(1 for _ in WORD.finditer(text))},
    }
    # ASCII-only JSON (non-ASCII escaped) is valid UTF-8 whatever the locale.
    sys.stdout.write(json.dumps(answer) + "\n")


if __name__ == "__main__":
    main()
