"""Shopify's calculated query cost for the demo GraphQL API: objects 1, scalars and enums 0, connections
2 + first/last x the cost of one item (nested connections multiply), pageInfo free; a mutation 10 plus
what its payload selects."""

from __future__ import annotations

from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    VariableNode,
    get_named_type,
    is_list_type,
    is_non_null_type,
    value_from_ast_untyped,
)

MAX_PAGE = 250
MUTATION_COST = 10


def _arg(field: FieldNode, name: str, variables: dict) -> Any:
    for arg in field.arguments or ():
        if arg.name.value == name:
            if isinstance(arg.value, VariableNode):
                return variables.get(arg.value.name.value)
            return value_from_ast_untyped(arg.value, variables)
    return None


class _Coster:
    def __init__(self, schema: GraphQLSchema, fragments: dict[str, FragmentDefinitionNode], variables: dict):
        self.schema, self.fragments, self.variables = schema, fragments, variables

    def selections(self, sset: SelectionSetNode | None, parent: GraphQLObjectType) -> list[tuple[FieldNode, Any]]:
        out: list[tuple[FieldNode, Any]] = []
        for sel in (sset.selections if sset else ()):
            if isinstance(sel, FieldNode):
                out.append((sel, parent))
            elif isinstance(sel, InlineFragmentNode):
                out.extend(self.selections(sel.selection_set, parent))
            elif isinstance(sel, FragmentSpreadNode) and sel.name.value in self.fragments:
                out.extend(self.selections(self.fragments[sel.name.value].selection_set, parent))
        return out

    def cost(self, sset: SelectionSetNode | None, parent: GraphQLObjectType) -> int:
        total = 0
        for field, ptype in self.selections(sset, parent):
            name = field.name.value
            if name.startswith("__") or name not in ptype.fields:
                continue
            named = get_named_type(ptype.fields[name].type)
            if not isinstance(named, GraphQLObjectType) or named.name == "PageInfo":
                continue
            if named.name.endswith("Connection"):
                first, last = _arg(field, "first", self.variables), _arg(field, "last", self.variables)
                if first is None and last is None:
                    raise GraphQLError("you must provide one of first or last", [field])
                count = first if first is not None else last
                if not isinstance(count, int) or not 0 <= count <= MAX_PAGE:
                    raise GraphQLError(f"The first/last argument must be an integer from 0 to {MAX_PAGE}", [field])
                total += 2 + count * self.item_cost(field, named)
            else:
                total += 1 + self.cost(field.selection_set, named)
        return total

    def item_cost(self, field: FieldNode, conn: GraphQLObjectType) -> int:
        per_item = 0
        for sub, _ in self.selections(field.selection_set, conn):
            if sub.name.value == "nodes":
                per_item += 1 + self.cost(sub.selection_set, get_named_type(conn.fields["nodes"].type))
            elif sub.name.value == "edges":
                edge = get_named_type(conn.fields["edges"].type)
                for inner, _ in self.selections(sub.selection_set, edge):
                    if inner.name.value == "node":
                        per_item += 1 + self.cost(inner.selection_set, get_named_type(edge.fields["node"].type))
        return per_item


def requested_cost(schema: GraphQLSchema, document: DocumentNode, variables: dict, operation: str | None) -> int:
    """The query's requested cost, as Shopify computes it before running it."""
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    ops = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if operation:
        ops = [d for d in ops if d.name and d.name.value == operation]
    if not ops:
        raise GraphQLError("no operation to run")
    mutation = ops[0].operation == OperationType.MUTATION
    root = schema.mutation_type if mutation else schema.query_type
    assert root is not None and not is_list_type(root) and not is_non_null_type(root)
    coster = _Coster(schema, fragments, variables)
    if mutation:  # each mutation field costs 10 points, plus what its payload selects
        return sum(MUTATION_COST + coster.cost(field.selection_set, get_named_type(root.fields[field.name.value].type))
                   for field, _ in coster.selections(ops[0].selection_set, root) if field.name.value in root.fields)
    return coster.cost(ops[0].selection_set, root)
