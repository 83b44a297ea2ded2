import {
  getArgumentValues,
  getDirectiveValues,
  getNamedType,
  getVariableValues,
  isCompositeType,
  isInterfaceType,
  isObjectType,
  Kind,
  SchemaMetaFieldDef,
  TypeMetaFieldDef,
  TypeNameMetaFieldDef,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLField,
  type GraphQLSchema,
  type NamedTypeNode,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';

/**
 * The cost of one GraphQL operation, computed from its document and variables alone, before any
 * resolver runs. It is an upper bound of the work the operation asks for:
 * - every selected field costs 1 (a value in the response), or the weight its `@cost` directive
 *   gives it in schema.graphql (fields whose resolver runs a database query);
 * - each alias is a field of its own, and fragments (named or inline) cost what they select, wherever
 *   they are spread; `@skip` and `@include` are ignored (counted as selected);
 * - a paged field (one with a `first` argument) repeats its `nodes` selection once per requested
 *   item, `first` clamped to the largest page the resolver accepts; the rest of its selection
 *   (`totalCount`, `pageInfo`) counts once, as the resolver runs it once per page;
 * - introspection fields cost 1 each like any other field: nothing below them is paged.
 *
 * Why our own and not graphql-query-complexity: its estimators see a field's children only as one
 * summed cost, so `first` can only multiply the whole sub-selection, a page's single `totalCount`
 * query included. A page of 1000 row errors with its count would then cost as much as 1000 jobs each
 * counting their errors (2 queries against 2000). graphql-armor's cost limit does not read `first`.
 */

/** A paged field takes its page size in this argument... */
export const PAGE_ARGUMENT = 'first';
/** ...and repeats this child field's selection once per item. */
export const ITEMS_FIELD = 'nodes';

export interface CostLimits {
  /** The largest `first` a paged field's resolver accepts: larger values count as this. */
  maxPage: number;
  /** The largest `first` a paged field may ask for inside another paged field's items. */
  maxNestedPage: number;
}

export interface OperationCost {
  cost: number;
  /** The first paged field inside another one's items that asks for more than maxNestedPage items, or null. */
  oversizedNestedPage: { field: string; inside: string; first: number } | null;
}

/** Where a selection set sits: the page it belongs to (if its field is paged), and whose items it is inside. */
interface Scope {
  page: { field: string; items: number } | null;
  insideItemsOf: string | null;
}

/**
 * The cost of `operation` (one of `document`'s operations) with these variables; null when the
 * variables do not coerce to the operation's types, which execution refuses before any resolver runs.
 * Expects a document that has passed validation; fragment cycles are skipped all the same.
 */
export function operationCost(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Record<string, unknown> | null | undefined,
  limits: CostLimits,
): OperationCost | null {
  const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], variables ?? {}, { maxErrors: 1 });
  if (coerced.errors) return null;
  const variableValues = coerced.coerced;
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
  const costDirective = schema.getDirective('cost');
  // A fragment costs the same wherever it is spread in the same scope: computing it once keeps this
  // linear in the document even when fragments spread each other twice at every level.
  const fragmentCosts = new Map<string, number>();
  const activeFragments = new Set<string>();
  let oversizedNestedPage: OperationCost['oversizedNestedPage'] = null;

  const typeOf = (condition: NamedTypeNode | undefined, fallback: GraphQLCompositeType): GraphQLCompositeType | undefined => {
    if (!condition) return fallback;
    const type = schema.getType(condition.name.value);
    return type && isCompositeType(type) ? type : undefined;
  };

  const weightOf = (field: GraphQLField<unknown, unknown>): number => {
    if (!costDirective || !field.astNode) return 1;
    const weight = getDirectiveValues(costDirective, field.astNode)?.weight;
    return typeof weight === 'number' && weight >= 0 ? weight : 1;
  };

  /** The page size a paged field asks for, clamped to what its resolver accepts; null for other fields. */
  const pageSizeOf = (field: GraphQLField<unknown, unknown>, node: FieldNode): { requested: unknown; items: number } | null => {
    if (!field.args.some((a) => a.name === PAGE_ARGUMENT)) return null;
    let requested: unknown;
    try {
      requested = getArgumentValues(field, node, variableValues)[PAGE_ARGUMENT];
    } catch {
      requested = undefined; // refused at execution; count the largest page meanwhile
    }
    // A missing or null page size is refused by the resolver; an upper bound never under-counts.
    const items = typeof requested === 'number' ? Math.min(Math.max(requested, 0), limits.maxPage) : limits.maxPage;
    return { requested, items };
  };

  const fieldCost = (node: FieldNode, parent: GraphQLCompositeType, scope: Scope): number => {
    const field = fieldDefinition(schema, parent, node.name.value);
    if (!field) return 0; // not in the schema: validation refuses it
    const weight = weightOf(field);
    const type = getNamedType(field.type);
    if (!node.selectionSet || !isCompositeType(type)) return weight;
    const isItems = scope.page !== null && node.name.value === ITEMS_FIELD;
    const insideItemsOf = isItems ? scope.page!.field : scope.insideItemsOf;
    const page = pageSizeOf(field, node);
    if (!page) {
      const children = selectionCost(node.selectionSet, type, { page: null, insideItemsOf });
      return weight + (isItems ? scope.page!.items * children : children);
    }
    if (insideItemsOf && typeof page.requested === 'number' && page.requested > limits.maxNestedPage) {
      oversizedNestedPage ??= { field: node.name.value, inside: insideItemsOf, first: page.requested };
    }
    return weight + selectionCost(node.selectionSet, type, { page: { field: node.name.value, items: page.items }, insideItemsOf });
  };

  const selectionCost = (set: SelectionSetNode, parent: GraphQLCompositeType, scope: Scope): number => {
    let total = 0;
    for (const selection of set.selections) {
      if (selection.kind === Kind.FIELD) {
        total += fieldCost(selection, parent, scope);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        const type = typeOf(selection.typeCondition, parent);
        if (type) total += selectionCost(selection.selectionSet, type, scope);
      } else {
        const name = selection.name.value;
        const fragment = fragments.get(name);
        const type = fragment && typeOf(fragment.typeCondition, parent);
        if (!fragment || !type || activeFragments.has(name)) continue;
        const key = `${name} ${scope.page?.field ?? ''} ${scope.page?.items ?? ''} ${scope.insideItemsOf ?? ''}`;
        let cost = fragmentCosts.get(key);
        if (cost === undefined) {
          activeFragments.add(name);
          cost = selectionCost(fragment.selectionSet, type, scope);
          activeFragments.delete(name);
          fragmentCosts.set(key, cost);
        }
        total += cost;
      }
    }
    return total;
  };

  const root = schema.getRootType(operation.operation);
  const cost = root ? selectionCost(operation.selectionSet, root, { page: null, insideItemsOf: null }) : 0;
  return { cost, oversizedNestedPage };
}

/** The field a selection names on this type, meta fields (__typename, __schema, __type) included. */
function fieldDefinition(schema: GraphQLSchema, parent: GraphQLCompositeType, name: string): GraphQLField<unknown, unknown> | undefined {
  if (name === TypeNameMetaFieldDef.name) return TypeNameMetaFieldDef;
  if (parent === schema.getQueryType()) {
    if (name === SchemaMetaFieldDef.name) return SchemaMetaFieldDef;
    if (name === TypeMetaFieldDef.name) return TypeMetaFieldDef;
  }
  return isObjectType(parent) || isInterfaceType(parent) ? parent.getFields()[name] : undefined;
}
