"""The `order` verb of the command line (registered by deskapp.cli.entry): show an order, or queue a refund,
cancel, return, shipping-address change, replacement or discount code through the same OrderActionService as
the order panel.

Without --yes an action only prints what it would do (the confirmation the panel shows); with --yes it is
queued durably and the next `deskapp sync` (or the running app) sends it to the shop.
"""

from __future__ import annotations

import argparse

from deskapp.cli.output import fail, print_json

ORDER_VERBS = ("show", "refund", "cancel", "return", "address", "replace", "discount")


def _lines(specs: list[str]) -> dict[int, int]:
    """'1' or '1:2' (line number as `order show` prints it, quantity) -> {index: quantity}."""
    chosen: dict[int, int] = {}
    for spec in specs:
        number, _, quantity = spec.partition(":")
        if not number.isdigit() or (quantity and not quantity.isdigit()):
            raise ValueError(f"--line {spec!r}: write LINE or LINE:QUANTITY, e.g. 1:2")
        chosen[int(number) - 1] = int(quantity or 1)
    return chosen


def _address(pairs: list[str]) -> dict[str, str]:
    address = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep:
            raise ValueError(f"{pair!r}: write field=value, e.g. address1='12 Rue Lafayette' city=Paris zip=75009 "
                             "countryCode=FR")
        address[key.strip()] = value
    return address


def _cmd_order(ws, args: argparse.Namespace) -> int:
    from deskapp.services.actions import outbox_for
    from deskapp.services.order_actions import OrderActionError, OrderActionService, StorageError

    service = OrderActionService(ws.db, outbox_for(ws), undoable=False)  # a script cannot undo
    try:
        if args.verb_order == "show":
            shown = service.show(args.order)
            if args.json:
                print_json(shown)
            else:
                print(f"{shown['number']}  {shown['total']:.2f} {shown['currency']}  {shown['financial_status']}"
                      f" / {shown['fulfillment_status']}{'  cancelled' if shown['cancelled'] else ''}")
                for n, line in enumerate(shown["lines"], 1):
                    print(f"  {n}. {line['quantity']} × {line['title']} ({line['sku']}) {line['unit_price']:.2f}")
                for action in shown["actions"]:
                    print(f"  [{action['state']}] {action['summary']}" + (f": {action['detail']}"
                                                                          if action["detail"] else ""))
            return 0
        if args.verb_order == "refund":
            plan = service.plan_refund(args.order, lines=_lines(args.line or []), shipping=args.shipping,
                                       amount=args.amount, whole=args.whole, reason=args.reason,
                                       notify=not args.no_notify, restock=args.restock)
        elif args.verb_order == "cancel":
            plan = service.plan_cancel(args.order, refund=not args.no_refund, restock=not args.no_restock,
                                       reason=args.reason if args.reason != "other" else "CUSTOMER",
                                       notify=not args.no_notify)
        elif args.verb_order == "return":
            plan = service.plan_return(args.order, lines=_lines(args.line or []),
                                       reason=args.reason if args.reason != "other" else "OTHER",
                                       note=args.note or "", notify=not args.no_notify)
        elif args.verb_order == "replace":
            plan = service.plan_replacement(args.order, lines=_lines(args.line or []),
                                            reason=args.reason if args.reason != "other" else "damaged")
        elif args.verb_order == "discount":
            plan = service.plan_discount(args.order, percentage=args.percent, amount=args.amount, days=args.days)
        else:
            plan = service.plan_address(args.order, _address(args.fields or []))
        client_id = service.queue(plan, conversation_id=args.conversation) if args.yes else None
    except (OrderActionError, ValueError, StorageError) as exc:
        return fail(str(exc))
    if args.json:
        print_json({"summary": plan.summary, "details": list(plan.details), "queued": client_id})
    else:
        print(plan.summary)
        for line in plan.details:
            print(f"  - {line}")
        print(f"queued: {client_id}" if client_id else "not queued: add --yes to do it")
    return 0


def add_parsers(sub) -> None:
    p = sub.add_parser("order", help="show an order; refund, cancel, return, re-address or replace it; a discount"
                                     " code for its customer")
    p.add_argument("verb_order", choices=ORDER_VERBS, metavar="{show,refund,cancel,return,address,replace,discount}")
    p.add_argument("order", help="order number (#1001), cache id or shop id")
    p.add_argument("fields", nargs="*", help="address: field=value pairs (address1, city, zip, countryCode, ...)")
    p.add_argument("--line", action="append", metavar="N[:QTY]", help="refund, return, replace: line N, QTY")
    p.add_argument("--whole", action="store_true", help="refund: every line and the shipping")
    p.add_argument("--shipping", action="store_true", help="refund: the shipping too")
    p.add_argument("--amount", type=float, help="refund: this amount instead of the lines' worth; discount: off")
    p.add_argument("--percent", type=float, help="discount: this percentage off")
    p.add_argument("--days", type=int, default=30, help="discount: valid this many days (30)")
    p.add_argument("--reason", default="other", help="refund: why (damaged, ...); cancel: CUSTOMER, FRAUD, ...;"
                                                     " return: DEFECTIVE, WRONG_ITEM, ...")
    p.add_argument("--note", help="return: the customer's words, kept on the return")
    p.add_argument("--restock", action="store_true", help="refund: put the items back in stock")
    p.add_argument("--no-refund", action="store_true", help="cancel: keep the payment")
    p.add_argument("--no-restock", action="store_true", help="cancel: do not restock")
    p.add_argument("--no-notify", action="store_true", help="the shop does not tell the customer")
    p.add_argument("--conversation", type=int, help="record it with a private note on this conversation")
    p.add_argument("--yes", action="store_true", help="queue it (without: only say what would happen)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(run=_cmd_order)
