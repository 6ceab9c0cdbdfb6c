"""Adds messy variants (typos, lower case, emoji, two questions in one, long mails) of the hand-written triage examples.

Run from the repository root: `python tools/make_triage_variants.py`. Deterministic; rewrites the
variant rows of deskapp/copilot/data/triage_examples.jsonl and keeps the hand-written ones as they are.
A variant carries ``group`` (its source text), so the train/test split keeps a text and its variants together.
"""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

DATA = Path(__file__).resolve().parent.parent / "deskapp" / "copilot" / "data" / "triage_examples.jsonl"
EMOJI = ["🙏", "😡", "😕", "🤔", "📦", "😭", "🙂", "‼️", "😤", "❓"]
GREETING = {"en": "Hi there,", "de": "Hallo zusammen,", "fr": "Bonjour,", "es": "Hola,", "it": "Buongiorno,",
            "nl": "Beste klantenservice,", "pt": "Olá,"}
FILLER = {
    "en": "I have been a customer for a few years and normally everything works fine, so I was surprised.",
    "de": "Ich bin seit einigen Jahren Kunde und normalerweise klappt alles, deshalb bin ich überrascht.",
    "fr": "Je suis client depuis quelques années et d'habitude tout se passe bien, donc je suis surpris.",
    "es": "Soy cliente desde hace unos años y normalmente todo va bien, así que me ha sorprendido.",
    "it": "Sono cliente da qualche anno e di solito va tutto bene, quindi sono sorpreso.",
    "nl": "Ik ben al een paar jaar klant en normaal gaat alles goed, dus ik was verrast.",
    "pt": "Sou cliente há alguns anos e normalmente corre tudo bem, por isso fiquei surpreendido.",
}
SIGN_OFF = {"en": "Thanks in advance, Sam", "de": "Danke im Voraus, Grüße Sam", "fr": "Merci d'avance, Sam",
            "es": "Gracias de antemano, Sam", "it": "Grazie in anticipo, Sam", "nl": "Alvast bedankt, groet Sam",
            "pt": "Obrigado desde já, Sam"}
# Second questions that rarely decide a conversation's topic: the first question is the label.
ALSO = {"en": "also do you ship to Canada?", "de": "und liefert ihr auch nach Österreich?",
        "fr": "et vous livrez en Suisse ?", "es": "y ¿envían a Chile?", "it": "e spedite anche in Svizzera?",
        "nl": "en verzenden jullie ook naar Duitsland?", "pt": "e enviam para Espanha?"}


def typo(text: str, rng: random.Random) -> str:
    words = text.split()
    long_ones = [i for i, w in enumerate(words) if len(w) > 4]
    for i in rng.sample(long_ones, min(2, len(long_ones))):
        w = words[i]
        j = rng.randrange(1, len(w) - 2)
        kind = rng.randrange(3)
        if kind == 0:
            w = w[:j] + w[j + 1] + w[j] + w[j + 2:]  # swapped letters
        elif kind == 1:
            w = w[:j] + w[j + 1:]  # dropped letter
        else:
            w = w[:j] + w[j] + w[j:]  # doubled letter
        words[i] = w
    return " ".join(words)


def casual(text: str) -> str:
    return re.sub(r"[.?!,;¿¡]", "", text).lower().strip()


def variants(row: dict, rng: random.Random) -> list[dict]:
    text, lang = row["text"], row.get("lang", "en")
    picks = rng.sample(["typo", "casual", "emoji", "long", "two"], 2)
    out = []
    for kind in picks:
        if kind == "typo":
            new = typo(text, rng)
        elif kind == "casual":
            new = casual(typo(text, rng) if rng.random() < 0.5 else text)
        elif kind == "emoji":
            new = text + " " + rng.choice(EMOJI) * rng.randint(1, 3)
        elif kind == "long":
            new = f"{GREETING[lang]}\n\n{text} {FILLER[lang]}\n\n{SIGN_OFF[lang]}"
        else:
            if row["intent"] == "shipping_options":
                continue
            new = f"{text.rstrip()} {ALSO[lang]}"
        if new != text:
            out.append({**row, "text": new, "group": text})
    return out


def main() -> None:
    rows = [json.loads(line) for line in DATA.read_text(encoding="utf-8").splitlines() if line.strip()]
    written = [r for r in rows if "group" not in r]
    rng = random.Random(16)
    # A variant that reads like another row ("Hallo" and "hallo?" both lower to "hallo") would sit in both splits.
    seen = {r["text"] for r in written}
    extra = []
    for v in (v for r in written for v in variants(r, rng)):
        if v["text"] not in seen:
            seen.add(v["text"])
            extra.append(v)
    with DATA.open("w", encoding="utf-8") as f:
        for r in written + extra:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    print(f"{len(written)} written examples + {len(extra)} variants -> {DATA}")


if __name__ == "__main__":
    main()
