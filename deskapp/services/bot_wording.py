"""What the agent bot says, per customer language, for services.bot_decide and services.bot_service: the phrase
table (one entry per language the copilot detects), the languages the bot may answer in, and the rendering.

The wording is data: adding a language is one more entry with every key of English's, nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

FALLBACK = "en"
# The bot trusts the detected language when it is more likely than all the others together and at least twice
# as likely as the runner-up; otherwise it hands over, in English. On the copilot's examples this keeps 344 of
# the 375 order-status questions, none of them in a wrong language ("where is my order?": 0.51 vs 0.16).
MIN_LANGUAGE_SHARE = 0.5
MIN_LANGUAGE_LEAD = 2.0
# The languages the bot answers order-status questions in: each has been measured on the demo's questions
# (tools/bot_order_questions.py) with no wrong answer; Italian, Dutch and Portuguese on its probes only, as the
# demo seeds no conversation in them. In any other language it hands over (worded in that language).
ANSWER_LANGUAGES = frozenset({"en", "de", "fr", "es", "it", "nl", "pt"})


@dataclass(frozen=True)
class DateWords:
    recently: str  # when the date is not known
    on_day: dict[str, str]  # day of the month -> date phrase; "*" for every day without one of its own
    months: tuple[str, ...]


# {order} the shop's order name, {when} a date phrase of DATES ("on May 20") or "recently", {links} the tracking
# links. Polite, short, as the shop's own agents write; every language has every key of English's.
PHRASES: dict[str, dict[str, str]] = {
    "en": {
        "delivered": "Your order {order} was delivered {when}, according to the carrier: {links} If it is not there, "
                     "just reply and a colleague will look into it.",
        "delivered_untracked": "Your order {order} was delivered {when}, according to the carrier. If it is not "
                               "there, just reply and a colleague will look into it.",
        "shipped": "Good news: your order {order} shipped {when} and is on its way. You can follow it here: {links}",
        "shipped_part": "Good news: part of your order {order} shipped {when} and is on its way. You can follow it "
                        "here: {links}",
        "not_shipped": "Your order {order} (placed {when}) is being prepared and has not shipped yet. You will get "
                       "the tracking link by email as soon as it leaves our warehouse.",
        "handoff": "I'm passing you to a colleague, who will reply here shortly.",
        "away": "Our team is away right now; a colleague will reply here as soon as we are back.",
    },
    "de": {
        "delivered": "Ihre Bestellung {order} wurde laut Paketdienst {when} zugestellt: {links} Falls sie nicht bei "
                     "Ihnen angekommen ist, antworten Sie einfach hier, dann kümmert sich ein Kollege darum.",
        "delivered_untracked": "Ihre Bestellung {order} wurde laut Paketdienst {when} zugestellt. Falls sie nicht "
                               "bei Ihnen angekommen ist, antworten Sie einfach hier, dann kümmert sich ein Kollege "
                               "darum.",
        "shipped": "Gute Nachricht: Ihre Bestellung {order} wurde {when} verschickt und ist unterwegs zu Ihnen. Hier "
                   "können Sie die Sendung verfolgen: {links}",
        "shipped_part": "Gute Nachricht: Ein Teil Ihrer Bestellung {order} wurde {when} verschickt und ist unterwegs "
                        "zu Ihnen. Hier können Sie die Sendung verfolgen: {links}",
        "not_shipped": "Ihre Bestellung {order} ({when} aufgegeben) wird gerade vorbereitet und ist noch nicht "
                       "verschickt. Den Link zur Sendungsverfolgung bekommen Sie per E-Mail, sobald sie unser Lager "
                       "verlässt.",
        "handoff": "Ich gebe Sie an einen Kollegen weiter, der Ihnen hier in Kürze antwortet.",
        "away": "Unser Team ist gerade nicht erreichbar. Sobald wir wieder da sind, antwortet Ihnen hier ein Kollege.",
    },
    "fr": {
        "delivered": "D'après le transporteur, votre commande {order} a été livrée {when} : {links} Si vous ne l'avez "
                     "pas reçue, répondez simplement à ce message et un collègue s'en occupera.",
        "delivered_untracked": "D'après le transporteur, votre commande {order} a été livrée {when}. Si vous ne "
                               "l'avez pas reçue, répondez simplement à ce message et un collègue s'en occupera.",
        "shipped": "Bonne nouvelle : votre commande {order} a été expédiée {when} et elle est en route. Vous pouvez "
                   "la suivre ici : {links}",
        "shipped_part": "Bonne nouvelle : une partie de votre commande {order} a été expédiée {when} et elle est en "
                        "route. Vous pouvez la suivre ici : {links}",
        "not_shipped": "Votre commande {order} (passée {when}) est en cours de préparation et n'a pas encore été "
                       "expédiée. Vous recevrez le lien de suivi par e-mail dès qu'elle quittera notre entrepôt.",
        "handoff": "Je transmets votre message à un collègue, qui vous répondra ici très bientôt.",
        "away": "Notre équipe est absente pour le moment ; un collègue vous répondra ici dès notre retour.",
    },
    "es": {
        "delivered": "Según la empresa de transporte, su pedido {order} se entregó {when}: {links} Si no lo ha "
                     "recibido, responda a este mensaje y un compañero lo revisará.",
        "delivered_untracked": "Según la empresa de transporte, su pedido {order} se entregó {when}. Si no lo ha "
                               "recibido, responda a este mensaje y un compañero lo revisará.",
        "shipped": "¡Buenas noticias! Su pedido {order} salió {when} y ya está en camino. Puede seguirlo aquí: {links}",
        "shipped_part": "¡Buenas noticias! Parte de su pedido {order} salió {when} y ya está en camino. Puede "
                        "seguirlo aquí: {links}",
        "not_shipped": "Su pedido {order} (realizado {when}) se está preparando y todavía no ha salido. Le "
                       "enviaremos el enlace de seguimiento por correo electrónico en cuanto deje nuestro almacén.",
        "handoff": "Le paso con un compañero, que le responderá aquí en breve.",
        "away": "Ahora mismo nuestro equipo no está disponible; un compañero le responderá aquí en cuanto volvamos.",
    },
    "it": {
        "delivered": "Secondo il corriere, il suo ordine {order} è stato consegnato {when}: {links} Se non l'ha "
                     "ricevuto, risponda pure a questo messaggio e un collega se ne occuperà.",
        "delivered_untracked": "Secondo il corriere, il suo ordine {order} è stato consegnato {when}. Se non l'ha "
                               "ricevuto, risponda pure a questo messaggio e un collega se ne occuperà.",
        "shipped": "Buone notizie: il suo ordine {order} è stato spedito {when} ed è in viaggio. Può seguirlo qui: "
                   "{links}",
        "shipped_part": "Buone notizie: una parte del suo ordine {order} è stata spedita {when} ed è in viaggio. Può "
                        "seguirla qui: {links}",
        "not_shipped": "Il suo ordine {order} (effettuato {when}) è in preparazione e non è ancora stato spedito. "
                       "Le invieremo il link per tracciarlo via e-mail appena lascerà il nostro magazzino.",
        "handoff": "La metto in contatto con un collega, che le risponderà qui a breve.",
        "away": "In questo momento il nostro team non è disponibile; un collega le risponderà qui appena saremo di "
                "nuovo operativi.",
    },
    "nl": {
        "delivered": "Volgens de vervoerder is uw bestelling {order} {when} bezorgd: {links} Heeft u niets "
                     "ontvangen? Antwoord dan gewoon op dit bericht, dan zoekt een collega het voor u uit.",
        "delivered_untracked": "Volgens de vervoerder is uw bestelling {order} {when} bezorgd. Heeft u niets "
                               "ontvangen? Antwoord dan gewoon op dit bericht, dan zoekt een collega het voor u uit.",
        "shipped": "Goed nieuws: uw bestelling {order} is {when} verzonden en onderweg. U kunt het pakket hier "
                   "volgen: {links}",
        "shipped_part": "Goed nieuws: een deel van uw bestelling {order} is {when} verzonden en onderweg. U kunt het "
                        "pakket hier volgen: {links}",
        "not_shipped": "Uw bestelling {order} ({when} geplaatst) wordt klaargemaakt en is nog niet verzonden. Zodra "
                       "het pakket ons magazijn verlaat, krijgt u de track-and-tracelink per e-mail.",
        "handoff": "Ik geef u door aan een collega, die u hier zo snel mogelijk antwoordt.",
        "away": "Ons team is op dit moment niet bereikbaar; een collega reageert hier zodra we terug zijn.",
    },
    "pt": {
        "delivered": "Segundo a transportadora, o seu pedido {order} foi entregue {when}: {links} Se não o recebeu, "
                     "basta responder a esta mensagem e um colega vai verificar.",
        "delivered_untracked": "Segundo a transportadora, o seu pedido {order} foi entregue {when}. Se não o "
                               "recebeu, basta responder a esta mensagem e um colega vai verificar.",
        "shipped": "Boas notícias: o seu pedido {order} foi enviado {when} e já está a caminho. Pode acompanhá-lo "
                   "aqui: {links}",
        "shipped_part": "Boas notícias: parte do seu pedido {order} foi enviada {when} e já está a caminho. Pode "
                        "acompanhá-la aqui: {links}",
        "not_shipped": "O seu pedido {order} (feito {when}) está em preparação e ainda não foi enviado. Vai receber "
                       "o link de rastreio por e-mail assim que sair do nosso armazém.",
        "handoff": "Vou passar a sua mensagem a um colega, que lhe responderá aqui em breve.",
        "away": "Neste momento não estamos disponíveis; um colega responderá aqui assim que estivermos de volta.",
    },
}

DATES: dict[str, DateWords] = {
    "en": DateWords("recently", {"*": "on {month} {day}"}, (
        "January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
        "November", "December")),
    "de": DateWords("kürzlich", {"*": "am {day}. {month}"}, (
        "Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September", "Oktober", "November",
        "Dezember")),
    "fr": DateWords("récemment", {"*": "le {day} {month}", "1": "le 1er {month}"}, (
        "janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre",
        "décembre")),
    "es": DateWords("hace poco", {"*": "el {day} de {month}"}, (
        "enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre", "octubre",
        "noviembre", "diciembre")),
    "it": DateWords("di recente", {"*": "il {day} {month}", "1": "il 1º {month}", "8": "l'8 {month}",
                                   "11": "l'11 {month}"}, (
        "gennaio", "febbraio", "marzo", "aprile", "maggio", "giugno", "luglio", "agosto", "settembre", "ottobre",
        "novembre", "dicembre")),
    "nl": DateWords("onlangs", {"*": "op {day} {month}"}, (
        "januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september", "oktober",
        "november", "december")),
    "pt": DateWords("recentemente", {"*": "em {day} de {month}", "1": "em 1º de {month}"}, (
        "janeiro", "fevereiro", "março", "abril", "maio", "junho", "julho", "agosto", "setembro", "outubro",
        "novembro", "dezembro")),
}


@dataclass(frozen=True)
class LanguageGuess:
    """What the language detector says of a message: its language and its confidence in it and in the runner-up."""

    code: str | None
    share: float = 0.0
    runner_up: float = 0.0

    @property
    def sure(self) -> bool:
        return self.code is not None and self.share >= MIN_LANGUAGE_SHARE and self.share >= MIN_LANGUAGE_LEAD * \
            self.runner_up


def wording_language(guess: LanguageGuess) -> str | None:
    """The language to write to the customer in: theirs when the detector is sure of it and it has wording;
    None when the bot must not guess (it then hands over in English)."""
    return guess.code if guess.sure and guess.code in PHRASES else None


def say(language: str | None, key: str, **fields: str) -> str:
    """One sentence of the bot's in ``language`` (English when it has no wording there)."""
    return PHRASES.get(language or FALLBACK, PHRASES[FALLBACK])[key].format(**fields)


def when(language: str | None, day: datetime | None) -> str:
    """ "on May 20", "am 20. Mai", "le 1er mai"; the language's "recently" when the date is not known."""
    words = DATES.get(language or FALLBACK, DATES[FALLBACK])
    if day is None:
        return words.recently
    return words.on_day.get(str(day.day), words.on_day["*"]).format(day=day.day, month=words.months[day.month - 1])
