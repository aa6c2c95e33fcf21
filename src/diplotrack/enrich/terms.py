"""Terms for keyness: the words (and CJK bigrams) enrichment stores with each post.

Enrichment stores ``tokenize``'s tokens in ``post_enrichment.terms``; the report's "distinctive
terms" (``diplotrack.analyses.content.distinctive_terms``) computes Dunning's log-likelihood G²
over them, for what the topic taxonomy misses.
"""

from __future__ import annotations

import html
import re

from diplotrack.enrich.lexicon import CJK

# fmt: off
_STOPWORDS_EN = frozenset((
    "about", "above", "after", "again", "against", "all", "also", "amp", "and", "any", "are", "aren't",
    "around", "because", "been", "before", "being", "below", "between", "both", "but", "can", "can't",
    "cannot", "com", "could", "couldn't", "did", "didn't", "does", "doesn't", "doing", "don't", "down",
    "during", "each", "even", "ever", "every", "few", "for", "from", "further", "had", "hadn't", "has",
    "hasn't", "have", "haven't", "having", "her", "here", "hers", "herself", "him", "himself", "his", "how",
    "however", "http", "https", "i'd", "i'll", "i'm", "i've", "into", "isn't", "its", "itself", "just", "let",
    "like", "made", "make", "many", "may", "more", "most", "much", "must", "mustn't", "myself", "nbsp",
    "need", "new", "nor", "not", "now", "off", "once", "one", "only", "other", "ought", "our", "ours",
    "ourselves", "out", "over", "own", "quot", "said", "same", "say", "says", "shall", "she", "should",
    "shouldn't", "since", "some", "still", "such", "than", "that", "the", "their", "theirs", "them",
    "themselves", "then", "there", "these", "they", "they'd", "they'll", "they're", "they've", "this",
    "those", "through", "too", "under", "until", "upon", "very", "via", "was", "wasn't", "way", "we'd",
    "we'll", "we're", "we've", "well", "were", "weren't", "what", "when", "where", "which", "while", "who",
    "whom", "whose", "why", "will", "with", "within", "without", "won't", "would", "wouldn't", "www", "yes",
    "yet", "you", "you'd", "you'll", "you're", "you've", "your", "yours", "yourself", "yourselves"
))
_STOPWORDS = {
    "fr": frozenset((
        "aussi", "aux", "avec", "ces", "cette", "comme", "dans", "depuis", "des", "dont", "elles", "entre",
        "est", "fait", "ils", "les", "leur", "leurs", "mais", "nous", "ont", "par", "pas", "plus", "pour",
        "que", "qui", "sans", "ses", "son", "sont", "sur", "tous", "tout", "très", "une", "vous", "été",
        "être"
    )),
    "es": frozenset((
        "como", "con", "del", "desde", "entre", "esta", "estas", "este", "estos", "está", "están", "fue",
        "han", "hay", "las", "les", "los", "muy", "más", "nos", "para", "pero", "por", "que", "ser", "sin",
        "sobre", "son", "sus", "también", "todo", "todos", "una"
    )),
}
# fmt: on
_TOKEN = re.compile(
    r"(?:https?://|www\.)\S+"  # URLs: dropped
    r"|[@\uff20]\w+"  # @mentions: dropped
    f"|(?P<cjk>[{CJK}]+)"  # runs of CJK characters: bigrams
    f"|(?P<word>[^\\W\\d_{CJK}]+(?:['\u2019][^\\W\\d_{CJK}]+)*)"  # words of letters, with apostrophes
)


def tokenize(text: str | None, lang: str | None = None) -> list[str]:
    """Tokens for keyness: lower-cased words of 3+ letters that are not stopwords, and CJK bigrams.

    URLs and @mentions are dropped; a hashtag counts as its word. Words are runs of letters
    (digits split them); ``'s`` is taken off (``china's`` → ``china``). A run of CJK characters
    gives its character bigrams (``一带一路`` → 一带, 带一, 一路; a lone character gives nothing),
    in any post, whatever ``lang``; ``lang`` only adds that language's stopwords (fr, es) to the
    English ones.
    """
    if not text:
        return []
    if "&" in text:
        text = html.unescape(text)
    stop = _STOPWORDS_EN
    extra = _STOPWORDS.get((lang or "").split("-")[0].lower())
    out: list[str] = []
    for m in _TOKEN.finditer(text):
        run = m.group("cjk")
        if run is not None:
            out.extend(run[i : i + 2] for i in range(len(run) - 1))
            continue
        word = m.group("word")
        if word is None:
            continue
        word = word.lower().replace("\u2019", "'")
        if word in stop:
            continue
        if word.endswith("'s"):
            word = word[:-2]
        if len(word) < 3 or word in stop or (extra is not None and word in extra):
            continue
        out.append(word)
    return out
