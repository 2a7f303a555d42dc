"""The one accent-folding rule of ``search(..., ignore_accents=True)``, as a finite map.

A text is folded by lower-casing it (``str.lower``, as every search does) and
then replacing each character listed in :data:`ACCENT_FOLDS` by its ASCII
letters and deleting each combining mark U+0300-U+036F; every other character
is kept. The map covers the Latin letters with diacritics of Latin-1
Supplement, Latin Extended-A and -B and Latin Extended Additional (Vietnamese
included), and a few letters with no Unicode decomposition (``ß`` → ``ss``,
``æ`` → ``ae``, ``ø`` → ``o``, ``đ`` → ``d``, ``ł`` → ``l``, ``þ`` → ``th``, …).

Why a finite, explicit map and not "NFKD, then drop the marks": every SQL
dialect applies the very same map (PostgreSQL ``translate()`` plus a few
``replace()``, MariaDB nested ``REPLACE``, SQLite a registered Python function
that is :func:`fold_accents` itself), so the in-memory core and each database
agree character for character, whatever Unicode version each one ships.

The map lists the upper-case letters too, mapped like their lower-case forms,
so a database whose ``lower()`` misses a letter (MariaDB's misses ``ẞ``, ``Ⱥ``
and ``Ⱦ``) still folds it the same way. Every target is lower-case ASCII, so
applying the map one entry after another (as SQL's nested replacements do) is
the same as applying it at once, and folding twice is folding once.
"""

from __future__ import annotations

__all__ = [
    "ACCENT_FOLDS",
    "COMBINING_MARKS",
    "accent_map",
    "fold_accents",
]

#: Target (lower-case ASCII) -> the characters folded to it.
ACCENT_FOLDS: dict[str, str] = {
    "a": "ÀÁÂÃÄÅàáâãäåĀāĂăĄąǍǎǞǟǠǡǺǻȀȁȂȃȦȧȺḀḁẠạẢảẤấẦầẨẩẪẫẬậẮắẰằẲẳẴẵẶặⱥ",
    "ae": "ÆæǢǣǼǽ",
    "b": "ƀƂƃɃḂḃḄḅḆḇ",
    "c": "ÇçĆćĈĉĊċČčƇƈȻȼḈḉ",
    "d": "ÐðĎďĐđƋƌȡḊḋḌḍḎḏḐḑḒḓ",
    "dz": "ǄǅǆǱǲǳ",
    "e": "ÈÉÊËèéêëĒēĔĕĖėĘęĚěȄȅȆȇȨȩɆɇḔḕḖḗḘḙḚḛḜḝẸẹẺẻẼẽẾếỀềỂểỄễỆệ",
    "f": "ƑƒḞḟ",
    "g": "ĜĝĞğĠġĢģǤǥǦǧǴǵḠḡ",
    "h": "ĤĥĦħȞȟḢḣḤḥḦḧḨḩḪḫẖ",
    "i": "ÌÍÎÏìíîïĨĩĪīĬĭĮįİıǏǐȈȉȊȋḬḭḮḯỈỉỊị",
    "ij": "Ĳĳ",
    "j": "ĴĵǰȷɈɉ",
    "k": "ĶķƘƙǨǩḰḱḲḳḴḵ",
    "l": "ĹĺĻļĽľĿŀŁłƚȴȽḶḷḸḹḺḻḼḽ",
    "lj": "Ǉǈǉ",
    "ll": "Ỻỻ",
    "m": "ḾḿṀṁṂṃ",
    "n": "ÑñŃńŅņŇňŉŊŋƞǸǹȠȵṄṅṆṇṈṉṊṋ",
    "nj": "Ǌǋǌ",
    "o": "ÒÓÔÕÖØòóôõöøŌōŎŏŐőƠơǑǒǪǫǬǭǾǿȌȍȎȏȪȫȬȭȮȯȰȱṌṍṎṏṐṑṒṓỌọỎỏỐốỒồỔổỖỗỘộỚớỜờỞởỠỡỢợ",
    "oe": "Œœ",
    "p": "ƤƥṔṕṖṗ",
    "q": "Ɋɋ",
    "r": "ŔŕŖŗŘřȐȑȒȓɌɍṘṙṚṛṜṝṞṟ",
    "s": "ŚśŜŝŞşŠšſȘșȿṠṡṢṣṤṥṦṧṨṩẛẜẝ",
    "ss": "ßẞ",
    "t": "ŢţŤťŦŧƫƬƭȚțȶȾṪṫṬṭṮṯṰṱẗⱦ",
    "th": "Þþ",
    "u": "ÙÚÛÜùúûüŨũŪūŬŭŮůŰűŲųƯưǓǔǕǖǗǘǙǚǛǜȔȕȖȗṲṳṴṵṶṷṸṹṺṻỤụỦủỨứỪừỬửỮữỰự",
    "v": "ṼṽṾṿỼỽ",
    "w": "ŴŵẀẁẂẃẄẅẆẇẈẉẘ",
    "x": "ẊẋẌẍ",
    "y": "ÝýÿŶŷŸƳƴȲȳɎɏẎẏẙỲỳỴỵỶỷỸỹỾỿ",
    "z": "ŹźŻżŽžƵƶȤȥɀẐẑẒẓẔẕ",
}

#: The combining diacritical marks (U+0300-U+036F), deleted: "e\u0301" folds to "e".
COMBINING_MARKS = "".join(chr(code) for code in range(0x0300, 0x0370))


def accent_map() -> dict[str, str]:
    """Every folded character -> its replacement ("" for a combining mark)."""
    mapping = {source: target for target, sources in ACCENT_FOLDS.items() for source in sources}
    mapping.update(dict.fromkeys(COMBINING_MARKS, ""))
    return mapping


_TABLE = str.maketrans(accent_map())


def fold_accents(text: str) -> str:
    """``text`` lower-cased (``str.lower``), then accent-folded: the rule of
    ``search(..., ignore_accents=True)`` (the table is in the docs' reference,
    "Accent folding in search"). A storage adapter applies it to names and e-mails.

    >>> fold_accents("José Müßig-Łukasz")
    'jose mussig-lukasz'
    """
    return text.lower().translate(_TABLE)
