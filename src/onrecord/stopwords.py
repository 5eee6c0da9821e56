"""English stopwords: the one list of function words that text features drop.

``ENGLISH`` is spaCy's English ``STOP_WORDS`` (itself scikit-learn's list) without its contraction
fragments and the content words "amount bottom empty serious top", plus a few function words it
lacks ("according", "ago", "instead", ...); it is written out so that reading it imports no spaCy.
``NEWS`` adds what news texts are full of and no story is about: reporting verbs, calendar words,
honorifics, "percent".

Lists kept apart on purpose: ``speakers.statements.STOPWORDS`` (a shorter list that keeps words
like "first" and "never"; see there) and the per-language samples of ``ingest.language`` (what a
language guess counts, not words to drop).
"""

from __future__ import annotations

ENGLISH = frozenset(
    """
    a about above according across after afterwards again against ago ahead all almost alone along already
    also although always am among amongst an and another any anybody anyhow anyone anything anyway anywhere
    are around as at away back be became because become becomes becoming been before beforehand behind being
    below beside besides between beyond both but by call can cannot could did do does doing done down due
    during each eight either eleven else elsewhere enough even ever every everyone everything everywhere
    except few fifteen fifty first five for former formerly forty four from front full further get give go
    going gone got had has have having he hence her here hereafter hereby herein hereupon hers herself him
    himself his how however hundred i if in including indeed instead into is it its itself just keep last
    latter latterly least less like lot lots made make many may me meanwhile might mine more moreover most
    mostly move much must my myself name namely neither never nevertheless next nine no nobody none noone
    nor not nothing now nowhere of off often on once one only onto or other others otherwise our ours
    ourselves out over own part per perhaps please put quite rather re really regarding same say see seem
    seemed seeming seems several she should show side since six sixty so some somehow someone something
    sometime sometimes somewhere still such take ten than that the their them themselves then thence there
    thereafter thereby therefore therein thereupon these they thing things third this those though three
    through throughout thru thus to together too toward towards twelve twenty two under unless until up upon
    us used using various very via was we well were what whatever when whence whenever where whereafter
    whereas whereby wherein whereupon wherever whether which while whither who whoever whole whom whose why
    will with within without would yet you your yours yourself yourselves
    """.split()
)

NEWS = frozenset(
    """
    added april asked august comment day days december dr february friday january july june know march
    monday mr mrs ms new news november october people percent reporter reporters said saturday says
    september statement sunday tell think thursday time times today told tomorrow tuesday want wanted way
    wednesday week year years yesterday
    """.split()
)
