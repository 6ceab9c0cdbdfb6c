"""Derives the Shopify schema subset the demo serves from the published SDL (used by the contract test, and
run as a script to regenerate `deskapp/demo/shopify_schema.py`)."""

from __future__ import annotations

import sys
from pathlib import Path

from graphql import DocumentNode, parse, print_ast
from graphql.language import (
    EnumTypeDefinitionNode,
    FieldDefinitionNode,
    InputObjectTypeDefinitionNode,
    InterfaceTypeDefinitionNode,
    ObjectTypeDefinitionNode,
    ScalarTypeDefinitionNode,
)

PUBLISHED = Path(__file__).resolve().parents[3] / "shared/contracts/shopify/admin_2025-01.graphql"

# type -> the fields served (None: an enum or scalar served whole)
SUBSET: dict[str, tuple[str, ...] | None] = {
    "QueryRoot": ("codeDiscountNodeByCode", "customer", "customers", "draftOrders", "job", "order", "orders"),
    "Customer": ("id", "legacyResourceId", "firstName", "lastName", "displayName", "email", "phone",
                 "createdAt", "updatedAt", "numberOfOrders", "amountSpent", "tags", "note", "state",
                 "verifiedEmail", "locale", "defaultAddress", "orders"),
    "CustomerConnection": ("edges", "nodes", "pageInfo"),
    "CustomerEdge": ("cursor", "node"),
    "Order": ("id", "legacyResourceId", "name", "confirmationNumber", "createdAt", "updatedAt", "processedAt",
              "cancelledAt", "cancelReason", "closedAt", "displayFinancialStatus", "displayFulfillmentStatus",
              "totalPriceSet", "subtotalPriceSet", "totalRefundedSet", "currencyCode", "customer", "email",
              "phone", "lineItems", "fulfillments", "shippingAddress", "note", "tags", "statusPageUrl",
              "refunds", "returns", "suggestedRefund"),
    "OrderConnection": ("edges", "nodes", "pageInfo"),
    "OrderEdge": ("cursor", "node"),
    "LineItem": ("id", "title", "name", "quantity", "currentQuantity", "sku", "variantTitle",
                 "originalUnitPriceSet", "refundableQuantity", "product"),
    "Product": ("id", "title", "tags", "productType"),
    "LineItemConnection": ("edges", "nodes", "pageInfo"),
    "LineItemEdge": ("cursor", "node"),
    "Fulfillment": ("id", "name", "status", "displayStatus", "createdAt", "updatedAt", "deliveredAt",
                    "estimatedDeliveryAt", "trackingInfo", "fulfillmentLineItems"),
    "FulfillmentTrackingInfo": ("company", "number", "url"),
    "MailingAddress": ("name", "firstName", "lastName", "address1", "address2", "city", "province", "zip",
                       "country", "countryCodeV2", "phone"),
    "MoneyBag": ("shopMoney", "presentmentMoney"),
    "MoneyV2": ("amount", "currencyCode"),
    "PageInfo": ("hasNextPage", "hasPreviousPage", "startCursor", "endCursor"),
    # the order actions deskapp sends (refund, cancel and its job, shipping address)
    "Mutation": ("discountCodeBasicCreate", "draftOrderCreate", "orderCancel", "orderUpdate", "refundCreate",
                 "returnApproveRequest", "returnRequest"),
    "ReturnRequestInput": ("orderId", "returnLineItems"),
    "ReturnRequestLineItemInput": ("fulfillmentLineItemId", "quantity", "returnReason", "customerNote"),
    "ReturnApproveRequestInput": ("id", "notifyCustomer"),
    "ReturnRequestPayload": ("return", "userErrors"),
    "ReturnApproveRequestPayload": ("return", "userErrors"),
    "ReturnUserError": ("code", "field", "message"),
    "Return": ("id", "name", "status", "totalQuantity", "returnLineItems"),
    "ReturnConnection": ("nodes", "pageInfo"),
    "ReturnLineItemTypeConnection": ("nodes", "pageInfo"),
    "ReturnLineItemType": ("customerNote", "id", "quantity", "returnReason"),
    "ReturnLineItem": ("customerNote", "id", "quantity", "returnReason", "fulfillmentLineItem"),
    "FulfillmentLineItemConnection": ("nodes", "pageInfo"),
    "FulfillmentLineItem": ("id", "lineItem", "quantity"),
    "ReturnErrorCode": None, "ReturnStatus": None, "ReturnReason": None,
    "DraftOrderInput": ("appliedDiscount", "email", "lineItems", "note", "shippingAddress", "tags"),
    "DraftOrderLineItemInput": ("quantity", "sku", "title", "originalUnitPriceWithCurrency", "requiresShipping"),
    "DraftOrderAppliedDiscountInput": ("amountWithCurrency", "description", "title", "value", "valueType"),
    "MoneyInput": ("amount", "currencyCode"),
    "DraftOrderCreatePayload": ("draftOrder", "userErrors"),
    "DraftOrder": ("id", "name", "status", "tags", "email", "createdAt", "totalPriceSet"),
    "DraftOrderConnection": ("nodes", "pageInfo"),
    "DraftOrderAppliedDiscountType": None, "DraftOrderStatus": None, "DraftOrderSortKeys": None,
    "DiscountCodeBasicInput": ("title", "startsAt", "endsAt", "code", "customerSelection", "customerGets",
                               "usageLimit", "appliesOncePerCustomer"),
    "DiscountCustomerSelectionInput": ("all", "customers"),
    "DiscountCustomersInput": ("add",),
    "DiscountCustomerGetsInput": ("value", "items"),
    "DiscountCustomerGetsValueInput": ("percentage", "discountAmount"),
    "DiscountAmountInput": ("amount", "appliesOnEachItem"),
    "DiscountItemsInput": ("all",),
    "DiscountCodeBasicCreatePayload": ("codeDiscountNode", "userErrors"),
    "DiscountCodeNode": ("id",),
    "DiscountUserError": ("code", "extraInfo", "field", "message"),
    "DiscountErrorCode": None,
    "RefundInput": ("orderId", "note", "notify", "shipping", "refundLineItems", "transactions"),
    "RefundLineItemInput": ("lineItemId", "quantity", "restockType"),
    "ShippingRefundInput": ("amount", "fullRefund"),
    "OrderTransactionInput": ("amount", "gateway", "kind", "orderId", "parentId"),
    "RefundDutyInput": ("dutyId", "refundType"),
    "OrderInput": ("id", "shippingAddress"),
    "MailingAddressInput": ("address1", "address2", "city", "company", "countryCode", "firstName", "lastName",
                            "phone", "provinceCode", "zip"),
    "RefundCreatePayload": ("order", "refund", "userErrors"),
    "OrderCancelPayload": ("job", "orderCancelUserErrors", "userErrors"),
    "OrderUpdatePayload": ("order", "userErrors"),
    "UserError": ("field", "message"),
    "OrderCancelUserError": ("code", "field", "message"),
    "Job": ("done", "id"),
    "Refund": ("id", "createdAt", "note", "totalRefundedSet", "refundLineItems"),
    "RefundLineItemConnection": ("nodes", "pageInfo"),
    "RefundLineItem": ("lineItem", "quantity", "restockType", "subtotalSet"),
    "SuggestedRefund": ("amountSet", "subtotalSet", "totalTaxSet", "maximumRefundableSet", "refundLineItems",
                        "shipping", "suggestedTransactions"),
    "ShippingRefund": ("amountSet", "maximumRefundableSet"),
    "SuggestedOrderTransaction": ("amountSet", "gateway", "kind", "parentTransaction"),
    "OrderTransaction": ("id", "gateway", "kind"),
    "OrderCancelUserErrorCode": None, "RefundLineItemRestockType": None, "OrderTransactionKind": None,
    "SuggestedOrderTransactionKind": None, "RefundDutyRefundType": None, "Money": None,
    "OrderDisplayFinancialStatus": None, "OrderDisplayFulfillmentStatus": None, "FulfillmentStatus": None,
    "FulfillmentDisplayStatus": None, "OrderSortKeys": None, "CustomerSortKeys": None, "CustomerState": None,
    "OrderCancelReason": None, "CurrencyCode": None, "CountryCode": None,
    "DateTime": None, "Decimal": None, "URL": None, "UnsignedInt64": None,
}


def _strip(node):
    """The node without descriptions (they are long and change nothing the client sees)."""
    kwargs = {k: getattr(node, k) for k in node.keys if k != "loc"}
    if "description" in kwargs:
        kwargs["description"] = None
    if isinstance(node, FieldDefinitionNode):
        kwargs["arguments"] = tuple(_strip(a) for a in node.arguments)
    if isinstance(node, EnumTypeDefinitionNode):
        kwargs["values"] = tuple(_strip(v) for v in node.values)
    return type(node)(**kwargs)


def derive_subset_sdl(full: DocumentNode) -> str:
    defs = {d.name.value: d for d in full.definitions if getattr(d, "name", None)}
    parts = []
    for name, fields in SUBSET.items():
        node = defs[name]
        if isinstance(node, ObjectTypeDefinitionNode | InterfaceTypeDefinitionNode):
            chosen = tuple(_strip(f) for f in node.fields if f.name.value in fields)
            missing = set(fields) - {f.name.value for f in chosen}
            if missing:
                raise KeyError(f"{name} has no fields {missing}")
            # only the interfaces served too (ReturnLineItemType): their objects must say they implement them
            kept = tuple(i for i in node.interfaces if i.name.value in SUBSET)
            node = type(node)(name=node.name, description=None, interfaces=kept, directives=(), fields=chosen)
        elif isinstance(node, InputObjectTypeDefinitionNode):
            chosen_inputs = tuple(_strip(f) for f in node.fields if f.name.value in (fields or ()))
            missing = set(fields or ()) - {f.name.value for f in chosen_inputs}
            if missing:
                raise KeyError(f"{name} has no input fields {missing}")
            dropped = [f.name.value for f in node.fields
                       if f.name.value not in (fields or ()) and f.type.kind == "non_null_type"]
            if dropped:
                raise KeyError(f"{name}: required input fields {dropped} must be served")
            node = InputObjectTypeDefinitionNode(name=node.name, description=None, directives=(),
                                                 fields=chosen_inputs)
        elif not isinstance(node, EnumTypeDefinitionNode | ScalarTypeDefinitionNode):
            raise TypeError(f"{name}: unexpected {type(node).__name__}")
        else:
            node = _strip(node)
        parts.append(print_ast(node))
    return "schema {\n  query: QueryRoot\n  mutation: Mutation\n}\n\n" + "\n\n".join(parts) + "\n"


if __name__ == "__main__":
    sdl = derive_subset_sdl(parse(PUBLISHED.read_text()))
    target = Path(__file__).resolve().parents[2] / "deskapp/demo/shopify_schema.py"
    target.write_text(
        '"""The subset of the Shopify Admin GraphQL 2025-01 schema the demo backend serves (generated by\n'
        'tests/demo/shopify_subset.py from the published SDL; tests/demo/test_shopify_contract.py proves it)."""\n'
        "# ruff: noqa: E501 - generated SDL keeps Shopify's own line layout\n\n"
        f"SDL = '''\n{sdl}'''\n"
    )
    print(f"wrote {target} ({len(sdl)} chars)", file=sys.stderr)
