"""Words the demo backend's seeded world is written in: names, products, and what customers and agents say.

Placeholders in braces ({order}, {tracking_url}, {item}, ...) are filled by `timeline.render_text`.
"""
# ruff: noqa: E501 - customer-facing sentences are easier to review unbroken

from __future__ import annotations

FIRST_NAMES = (
    "Anna", "Ben", "Chloe", "David", "Emma", "Felix", "Grace", "Hannah", "Isaac", "Julia", "Kevin", "Laura",
    "Marco", "Nina", "Oliver", "Priya", "Quentin", "Rosa", "Samuel", "Tara", "Umar", "Vera", "William", "Xenia",
    "Yusuf", "Zoe", "Aisha", "Bruno", "Carmen", "Dmitri", "Elena", "Fatima", "Giulia", "Hugo", "Ines", "Jonas",
    "Kenji", "Lucia", "Mateo", "Noah", "Olga", "Paul", "Rahul", "Sofia", "Thomas", "Ursula", "Victor", "Wen",
    "Léa", "Jürgen", "Sören", "María", "José", "Zoë", "Chloé", "Björn", "Ana Lucía", "Mary-Kate",
)
LAST_NAMES = (
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Martinez", "Lopez", "Wilson",
    "Anderson", "Taylor", "Thomas", "Moore", "Martin", "Lee", "Walker", "Hall", "Young", "King", "Wright",
    "Schmidt", "Müller", "Schneider", "Fischer", "Weber", "Dubois", "Lefèvre", "Moreau", "Fernández", "González",
    "Rossi", "Bianchi", "Novak", "Kowalski", "Nguyen", "Kim", "Patel", "Khan", "O'Brien", "van der Berg",
    "Okafor", "Silva", "Costa", "Ivanova", "Yamamoto", "Chen",
)
EMAIL_DOMAINS = ("gmail.com", "yahoo.com", "outlook.com", "hotmail.com", "icloud.com", "gmx.de", "web.de",
                 "orange.fr", "proton.me", "mail.com")
# (country, E.164 country code, national number length, language)
COUNTRIES = (
    ("US", "1", 10, "en"), ("US", "1", 10, "en"), ("US", "1", 10, "en"), ("GB", "44", 10, "en"),
    ("GB", "44", 10, "en"), ("CA", "1", 10, "en"), ("AU", "61", 9, "en"), ("IE", "353", 9, "en"),
    ("DE", "49", 11, "de"), ("AT", "43", 10, "de"), ("ES", "34", 9, "es"), ("MX", "52", 10, "es"),
    ("FR", "33", 9, "fr"), ("BE", "32", 9, "fr"), ("NL", "31", 9, "en"), ("SE", "46", 9, "en"),
)
CITIES = {"US": ("Austin", "Portland", "Denver", "Chicago"), "GB": ("Leeds", "Bristol", "London"),
          "CA": ("Toronto", "Calgary"), "AU": ("Melbourne", "Perth"), "IE": ("Dublin", "Cork"),
          "DE": ("Berlin", "Köln", "München"), "AT": ("Wien", "Graz"), "ES": ("Madrid", "Sevilla"),
          "MX": ("Puebla", "Guadalajara"), "FR": ("Lyon", "Nantes", "Paris"), "BE": ("Liège", "Bruxelles"),
          "NL": ("Utrecht", "Rotterdam"), "SE": ("Malmö", "Uppsala")}

# (title, variant options, unit price, sku prefix)
PRODUCTS = (
    ("Merino Crew Sweater", ("XS", "S", "M", "L", "XL"), "89.00", "MER"),
    ("Linen Button-Down Shirt", ("S", "M", "L", "XL"), "64.00", "LIN"),
    ("Trail Running Shoes", ("38", "39", "40", "41", "42", "43", "44", "45"), "129.00", "TRL"),
    ("Canvas Weekender Bag", ("Olive", "Navy", "Sand"), "149.00", "CWB"),
    ("Organic Cotton Tee", ("XS", "S", "M", "L", "XL", "XXL"), "29.00", "OCT"),
    ("Ceramic Pour-Over Set", ("White", "Charcoal"), "54.00", "CPO"),
    ("Wool Beanie", ("Grey", "Mustard", "Black"), "24.00", "WBN"),
    ("Slim Chino Trousers", ("28", "30", "32", "34", "36"), "79.00", "SCT"),
    ("Rain Shell Jacket", ("S", "M", "L", "XL"), "189.00", "RSJ"),
    ("Leather Card Wallet", ("Tan", "Black"), "45.00", "LCW"),
    ("Bamboo Socks 3-Pack", ("S/M", "L/XL"), "19.00", "BSK"),
    ("Insulated Water Bottle", ("500 ml", "750 ml"), "34.00", "IWB"),
    ("Yoga Mat Pro", ("Plum", "Teal"), "69.00", "YMP"),
    ("Gift Card", ("$25", "$50", "$100"), "50.00", "GFT"),
)
CARRIERS = (
    ("DHL Express", "https://www.dhl.com/en/express/tracking.html?AWB={number}", "JD01460000{digits}"),
    ("UPS", "https://www.ups.com/track?tracknum={number}", "1Z999AA1{digits}"),
    ("USPS", "https://tools.usps.com/go/TrackConfirmAction?tLabels={number}", "9400111{digits}"),
    ("Royal Mail", "https://www.royalmail.com/track-your-item#/tracking-results/{number}", "RM{digits}GB"),
    ("DPD", "https://tracking.dpd.de/status/en_US/parcel/{number}", "0150{digits}"),
)
DISCOUNT_CODES = ("WELCOME10", "SPRING20", "FREESHIP", "VIP15", "BLACKFRIDAY", "SUMMER25")

# Topic key -> (Chatwoot label, team index 0 = Orders & Shipping, 1 = Returns & Billing, needs an order)
TOPICS = {
    "where_is_my_order": ("order-status", 0, True),
    "damaged_item": ("damaged", 1, True),
    "wrong_size": ("exchange", 1, True),
    "refund": ("refund", 1, True),
    "cancel": ("cancellation", 0, True),
    "discount_code": ("discount", 1, False),
    "address_change": ("address-change", 0, True),
    "product_question": ("pre-sales", 0, False),
    "wrong_item": ("damaged", 1, True),
    "invoice": ("billing", 1, True),
}
TOPIC_WEIGHTS = {"where_is_my_order": 30, "damaged_item": 9, "wrong_size": 11, "refund": 12, "cancel": 7,
                 "discount_code": 8, "address_change": 6, "product_question": 9, "wrong_item": 4, "invoice": 4}

# Customer openings: language -> topic -> variants.
OPENINGS: dict[str, dict[str, tuple[str, ...]]] = {
    "en": {
        "where_is_my_order": (
            "Hi, I ordered {item} ({order}) over a week ago and it still hasn't arrived. Where is my order?",
            "hello where is my order {order}?? tracking hasnt updated in 4 days",
            "Hi there, could you tell me when order {order} will be delivered? I need it by the weekend. Thanks!",
            "Order {order} says delivered but there is nothing at my door or with my neighbours.",
        ),
        "damaged_item": (
            "My {item} from order {order} arrived damaged - the box was crushed and it's broken. Photos attached.",
            "Hi, unfortunately the {item} I received ({order}) has a tear along the seam. What can you do?",
        ),
        "wrong_size": (
            "Hi! The {item} in order {order} is too small, can I exchange it for a size {size}?",
            "ordered {item} in the wrong size, need a {size} instead. order {order}",
        ),
        "refund": (
            "I returned {order} two weeks ago and still haven't received my refund. When will I get my money back?",
            "Hello, I'd like a refund for the {item} in order {order}, it's not what I expected.",
        ),
        "cancel": (
            "Please cancel my order {order}, I ordered by mistake.",
            "Hi, can I still cancel {order}? I found it cheaper elsewhere, sorry!",
        ),
        "discount_code": (
            "The discount code {code} isn't working at checkout, it says invalid. Can you help?",
            "hi, tried to use {code} but no discount was applied?",
        ),
        "address_change": (
            "I need to change the shipping address for order {order} - I'm moving to {city} next week.",
            "Typo in my address on {order}! It should be flat 4, not 14. Can you fix it before it ships?",
        ),
        "product_question": (
            "Hi, does the {item} run true to size? I'm usually between M and L.",
            "Is the {item} back in stock soon? And do you ship to {city}?",
        ),
        "wrong_item": (
            "I received the wrong item in order {order} - I ordered the {item} but got something else entirely.",
        ),
        "invoice": (
            "Could you send me a VAT invoice for order {order}? I need it for my company expenses.",
        ),
    },
    "de": {
        "where_is_my_order": ("Hallo, wo bleibt meine Bestellung {order}? Die Sendungsverfolgung zeigt seit Tagen nichts Neues.",),
        "damaged_item": ("Guten Tag, der Artikel {item} aus Bestellung {order} ist beschädigt angekommen.",),
        "refund": ("Ich warte immer noch auf meine Rückerstattung für {order}. Wann kommt das Geld?",),
        "wrong_size": ("Hallo, {item} ist zu klein. Kann ich Bestellung {order} gegen Größe {size} umtauschen?",),
        "cancel": ("Bitte stornieren Sie meine Bestellung {order}. Danke!",),
    },
    "es": {
        "where_is_my_order": ("Hola, ¿dónde está mi pedido {order}? Ya pasó una semana y no llega.",),
        "refund": ("Hola, devolví el pedido {order} y todavía no recibo el reembolso.",),
        "damaged_item": ("El {item} de mi pedido {order} llegó roto. ¿Qué puedo hacer?",),
        "discount_code": ("El código {code} no funciona en el pago, ¿me pueden ayudar?",),
    },
    "fr": {
        "where_is_my_order": ("Bonjour, où en est ma commande {order} ? Le suivi ne bouge plus depuis 5 jours.",),
        "wrong_size": ("Bonjour, le {item} est trop petit. Puis-je échanger la commande {order} contre une taille {size} ?",),
        "cancel": ("Bonjour, merci d'annuler ma commande {order}.",),
        "address_change": ("Bonjour, je dois changer l'adresse de livraison de la commande {order}, merci.",),
    },
}
ANGRY_PREFIX = ("THIS IS RIDICULOUS. ", "Second time I'm writing about this!!! ", "Honestly very disappointed. ",
                "Unacceptable service. ")
ANGRY_SUFFIX = (" I want this sorted TODAY or I'm disputing the charge.", " Never ordering again.",
                " Why does nobody answer??", " Fix this now please!!")
POLITE_PREFIX = ("Hi there, hope you're well! ", "Good morning, ", "Hello team, ")
POLITE_SUFFIX = (" Thanks so much for your help!", " Many thanks in advance.", " Have a lovely day :)")

FOLLOW_UPS = {  # the customer's turn in a longer thread
    "en": ("Any update on this?", "That doesn't really help, I need the item this week.",
           "ok, and when will I get the label?", "I sent the photo yesterday, did you get it?",
           "Sorry, one more question: can I keep the box?"),
    "de": ("Gibt es schon Neuigkeiten?", "Und wann kommt das Rücksendeetikett?"),
    "es": ("¿Alguna novedad?", "¿Y cuándo recibo la etiqueta de devolución?"),
    "fr": ("Des nouvelles ?", "Et quand vais-je recevoir l'étiquette de retour ?"),
}
IMPATIENT = {  # an angry customer while nobody has answered yet
    "en": ("Hello?? Still waiting for an answer.", "Is anyone actually reading this?"),
    "de": ("Hallo?? Ich warte immer noch auf eine Antwort.",),
    "es": ("¿Hola? Sigo esperando una respuesta.",),
    "fr": ("Bonjour ? J'attends toujours une réponse.",),
}
THANKS = {
    "en": ("Perfect, thanks a lot for the quick help!", "Great, thank you!", "Got it, cheers.",
           "ok thanks, that works for me"),
    "de": ("Vielen Dank für die schnelle Hilfe!", "Danke, das passt so."),
    "es": ("Gracias por la ayuda.", "Perfecto, muchas gracias."),
    "fr": ("Merci pour votre aide !", "Parfait, merci beaucoup."),
}
# What chat customers add right after their first message (often answering the bot)
OPENING_DETAILS = {
    "en": ("The order number is {order}.", "{order}", "It's the {item}, size {size}.", "order {order}, paid by card"),
    "de": ("Die Bestellnummer ist {order}.", "{order}"),
    "es": ("El número de pedido es {order}.", "{order}"),
    "fr": ("Le numéro de commande est {order}.", "{order}"),
}
NO_ORDER_DETAILS = {
    "en": ("It's about the {item}.", "I'm in {city} btw"),
    "de": ("Es geht um {item}.",), "es": ("Es sobre {item}.",), "fr": ("C'est pour {item}.",),
}
REOPEN_MESSAGES = {
    "en": ("Sorry, me again - the problem with {order} is back.", "Hi, this still isn't resolved, the parcel never came."),
    "de": ("Entschuldigung, das Problem mit {order} ist leider wieder da.",),
    "es": ("Perdón, otra vez: el problema con {order} sigue sin resolverse.",),
    "fr": ("Désolé, le problème avec la commande {order} n'est toujours pas réglé.",),
}

# Agent replies: language -> topic -> variants; "any" is used when a topic has none of its own.
AGENT_REPLIES: dict[str, dict[str, tuple[str, ...]]] = {
    "en": {
        "where_is_my_order": (
            "Hi {name}, thanks for your patience! Your order {order} shipped with {carrier}, tracking number {tracking_no}. "
            "You can follow it here: {tracking_url}",
            "Hi {name}, I checked {order}: it's with {carrier} and should arrive within 2 business days. Tracking: {tracking_url}",
        ),
        "damaged_item": ("I'm so sorry the {item} arrived damaged, {name}. I've sent a free replacement for {order}; "
                         "no need to return the broken one.",),
        "wrong_size": ("No problem, {name}! I've set up an exchange for {order} to size {size}. A prepaid return "
                       "label is on its way to your email.",),
        "refund": ("Hi {name}, your refund for {order} has been issued today. It usually takes 5-10 business days "
                   "to show on your statement.",),
        "cancel": ("Done, {name} - order {order} is cancelled and you'll see the refund in a few days.",
                   "Sorry {name}, {order} has already shipped ({tracking_url}), so we can't cancel it, but you can "
                   "return it for free once it arrives."),
        "discount_code": ("Hi {name}, {code} expired at the end of last month, sorry about that! Here is a new "
                          "10% code for you: SORRY10",),
        "address_change": ("Thanks {name}, I've updated the shipping address on {order} before it left our "
                           "warehouse.",),
        "product_question": ("Hi {name}! The {item} runs true to size; if you're between sizes we recommend the "
                             "larger one. We ship to {city} within 3-5 days.",),
        "wrong_item": ("Apologies, {name}! We've shipped the correct {item} for {order} by express; tracking: "
                       "{tracking_url}",),
        "invoice": ("Hi {name}, the invoice for {order} is attached. Let me know if you need anything else!",),
        "any": ("Thanks for reaching out, {name}. I've looked into {order} and will keep you posted.",),
    },
    "de": {"any": ("Hallo {name}, danke für Ihre Nachricht! Ihre Bestellung {order} ist mit {carrier} unterwegs: "
                   "{tracking_url}",)},
    "es": {"any": ("Hola {name}, gracias por escribirnos. Tu pedido {order} va con {carrier}: {tracking_url}",)},
    "fr": {"any": ("Bonjour {name}, merci pour votre message. Votre commande {order} est chez {carrier} : "
                   "{tracking_url}",)},
}
NOT_SHIPPED_YET = {  # the first answer about an order that has not left the warehouse
    "en": "Hi {name}, I checked {order}: it's being packed and will ship within 24 hours. You'll get the tracking "
          "link by email.",
    "de": "Hallo {name}, ich habe {order} geprüft: Die Bestellung wird gerade verpackt und geht innerhalb von 24 "
          "Stunden raus. Den Tracking-Link bekommen Sie per E-Mail.",
    "es": "Hola {name}, he revisado {order}: se está preparando y saldrá en 24 horas. Recibirás el enlace de "
          "seguimiento por correo.",
    "fr": "Bonjour {name}, j'ai vérifié {order} : elle est en cours de préparation et partira sous 24 heures. Vous "
          "recevrez le lien de suivi par e-mail.",
}
AGENT_FOLLOW_UPS = {  # later replies in a thread; the last two don't need an order
    "en": ("Thanks for your patience, {name}. I've opened a trace with {carrier} for {order} and will update you "
           "within 24 hours.",
           "Just checked again: {order} is out for delivery today according to {carrier} ({tracking_url}).",
           "I completely understand the frustration, {name}. I've escalated {order} to our warehouse lead.",
           "Sure thing! Is there anything else I can help you with?",
           "Happy to help, {name} - let me know if anything else comes up."),
    "de": ("Danke für Ihre Geduld, {name}. Ich habe bei {carrier} einen Nachforschungsauftrag für {order} gestellt.",
           "Gern geschehen! Kann ich sonst noch helfen?", "Melden Sie sich gern, falls noch etwas ist."),
    "es": ("Gracias por tu paciencia, {name}. Abrí una investigación con {carrier} para {order}.",
           "¡Con gusto! ¿Te puedo ayudar con algo más?", "Escríbenos si necesitas algo más."),
    "fr": ("Merci pour votre patience, {name}. J'ai ouvert une enquête auprès de {carrier} pour {order}.",
           "Avec plaisir ! Puis-je vous aider pour autre chose ?", "N'hésitez pas si besoin."),
}
CLOSING_REPLIES = {
    "en": ("Glad I could help! I'll close this conversation now - just reply if anything else comes up.",
           "You're welcome! Have a great day."),
    "de": ("Gern geschehen! Melden Sie sich jederzeit wieder.",),
    "es": ("¡De nada! Escríbenos si necesitas algo más.",),
    "fr": ("Avec plaisir ! N'hésitez pas à nous recontacter.",),
}
PRIVATE_NOTES = {  # by topic; "any" for the rest
    "where_is_my_order": ("Checked with the warehouse: parcel left on {date}. Carrier scan missing, opened a trace "
                          "with {carrier}.", "Second contact about {order}; escalate if no carrier update by Friday."),
    "damaged_item": ("Customer is a repeat buyer (VIP), approved the replacement without return.",
                     "Photo shows a crushed box: claim filed with {carrier}."),
    "wrong_item": ("Picking error at the warehouse, reported to the shift lead.",),
    "refund": ("Refund approved by @{supervisor}.", "Return scanned in on {date}, refund released."),
    "address_change": ("Address verified against the order, label reprinted.",),
    "cancel": ("Cancelled in Shopify before fulfilment, payment voided.",),
    "any": ("Customer asked to be contacted by email from now on.", "Checked the order history: nothing unusual."),
}
BOT_REPLIES = (
    "Thanks for your message! Our team usually replies within a few hours. Meanwhile you can track orders at "
    "https://shop.example.com/track",
    "Hi! 👋 An agent will be with you shortly.",
    "Hi, I'm ShopBot! Could you share your order number? A team member will take it from there.",
)
BOT_HANDOFFS = ("Thanks! I've passed this on to our team, someone will reply here shortly.",
                "Got it, thank you. A team member will take it from here.")
CSAT_FEEDBACK = {5: ("Super fast, thank you!", "Great service", ""), 4: ("Good, took a bit long", ""),
                 3: ("ok", ""), 2: ("Took forever to get an answer",), 1: ("Still no refund. Terrible.",)}
CANNED_RESPONSES = (
    ("tracking", "Hi {{contact.name}}, your order is on its way! You can follow it with the tracking link in your "
                 "shipping confirmation email."),
    ("refund-issued", "Your refund has been issued. Depending on your bank it takes 5-10 business days."),
    ("exchange", "Happy to exchange it! Please reply with the size you need and we'll send a prepaid label."),
    ("damaged", "We're sorry your item arrived damaged. Could you send us a photo of the item and the box?"),
    ("discount-expired", "That code has expired, but here's a new one for 10% off: SORRY10"),
    ("address", "I've updated the shipping address - you'll receive a new confirmation email shortly."),
    ("cancel-ok", "Your order has been cancelled and the refund is on its way."),
    ("thanks", "Thanks for contacting us! Is there anything else I can help with?"),
)
AGENTS = (
    ("Sam Rivera", "administrator"), ("Alex Chen", "agent"), ("Maya Patel", "agent"), ("Jonas Weber", "agent"),
    ("Lucía Gómez", "agent"), ("Tom Becker", "agent"), ("Aïcha Diallo", "agent"), ("Noah Kim", "agent"),
)
TEAMS = (("Orders & Shipping", "Where-is-my-order, address changes, cancellations"),
         ("Returns & Billing", "Returns, exchanges, refunds, invoices, discount codes"))
# Agent bots are numbered apart from users (their own table): ids 1 and 2 are also the ids of two agents.
BOTS = (("ShopBot", "Answers first on chat channels"), ("Returns Assistant", "Collects return details"))
# What the website's proactive campaigns say before the visitor has written anything.
CAMPAIGN_MESSAGES = (
    "Hi there! Free shipping on orders over $50 this week - can I help you find something?",
    "Looking for the right size? Ask us, we reply in minutes.",
)
# The account's labels: a label a client sends that is not among them is dropped by newer servers.
ACCOUNT_LABELS = ("order-status", "damaged", "exchange", "refund", "cancellation", "discount", "address-change",
                  "pre-sales", "billing", "vip", "reopened", "escalated", "follow-up")
