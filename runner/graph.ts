// The compiled Dataform graph (dataform compile --json, core 3.0.62) and CLI-style action selection.

export interface Target {
  database?: string;
  schema: string;
  name: string;
}

interface CommonAction {
  target: Target;
  fileName: string;
  tags?: string[];
  dependencyTargets?: Target[];
  disabled?: boolean;
}

export interface CompiledTable extends CommonAction {
  type?: string;
  enumType?: "TABLE" | "VIEW" | "INCREMENTAL";
  query: string;
  incrementalQuery?: string;
  preOps?: string[];
  postOps?: string[];
  incrementalPreOps?: string[];
  incrementalPostOps?: string[];
  protected?: boolean;
  materialized?: boolean;
  uniqueKey?: string[];
  incrementalStrategy?: string;
  onSchemaChange?: string;
  bigquery?: { updatePartitionFilter?: string; incrementalPredicates?: string[]; partitionBy?: string; clusterBy?: string[] };
}
export interface CompiledAssertion extends CommonAction {
  query: string;
  parentAction?: Target;
}
export interface CompiledOperation extends CommonAction {
  queries: string[];
  hasOutput?: boolean;
}
export interface CompiledDeclaration {
  target: Target;
  fileName?: string;
}
export interface CompiledTest {
  name: string;
  testQuery: string;
  expectedOutputQuery: string;
  fileName: string;
}
export interface CompilationError {
  fileName?: string;
  message: string;
  actionName?: string;
}
export interface CompiledGraph {
  tables?: CompiledTable[];
  assertions?: CompiledAssertion[];
  operations?: CompiledOperation[];
  declarations?: CompiledDeclaration[];
  tests?: CompiledTest[];
  projectConfig?: { defaultSchema?: string; assertionSchema?: string; defaultDatabase?: string; vars?: Record<string, string> };
  graphErrors?: { compilationErrors?: CompilationError[] };
  dataformCoreVersion?: string;
}

export type ActionKind = "table" | "view" | "incremental" | "assertion" | "operation";

export interface Action {
  /** `schema.name`: unique in the DuckDB warehouse (the project/database part is dropped). */
  key: string;
  kind: ActionKind;
  target: Target;
  fileName: string;
  tags: string[];
  dependencies: string[];
  disabled: boolean;
  parent?: string;
  table?: CompiledTable;
  assertion?: CompiledAssertion;
  operation?: CompiledOperation;
}

export const targetKey = (t: Target): string => `${t.schema}.${t.name}`;

function tableKind(t: CompiledTable): ActionKind {
  const kind = (t.enumType ?? t.type ?? "").toLowerCase();
  if (kind === "table" || kind === "view" || kind === "incremental") return kind;
  throw new Error(`${t.fileName}: unsupported table type "${t.enumType ?? t.type}"`);
}

/** Every executable action of the graph (declarations are existing tables and are not actions). */
export function actionsOf(graph: CompiledGraph): Action[] {
  const common = (a: CommonAction) => ({
    key: targetKey(a.target),
    target: a.target,
    fileName: a.fileName,
    tags: a.tags ?? [],
    dependencies: (a.dependencyTargets ?? []).map(targetKey),
    disabled: a.disabled === true,
  });
  return [
    ...(graph.tables ?? []).map((t): Action => ({ ...common(t), kind: tableKind(t), table: t })),
    ...(graph.assertions ?? []).map(
      (a): Action => ({ ...common(a), kind: "assertion", assertion: a, ...(a.parentAction ? { parent: targetKey(a.parentAction) } : {}) }),
    ),
    ...(graph.operations ?? []).map((o): Action => ({ ...common(o), kind: "operation", operation: o })),
  ];
}

export interface Selection {
  tags?: string[];
  actions?: string[];
  includeDependencies?: boolean;
  includeDependents?: boolean;
}

function matchesName(action: Action, wanted: string): boolean {
  const t = action.target;
  return wanted === t.name || wanted === `${t.schema}.${t.name}` || wanted === `${t.database}.${t.schema}.${t.name}`;
}

/** The keys the CLI would run: tags and/or named actions (all when neither), plus the selected tables' built-in assertions. */
/** A --tags or --actions name that the compiled graph does not have: the user's to fix. */
export class SelectionError extends Error {
  override name = "SelectionError";
}

export function selectActions(actions: Action[], sel: Selection): Set<string> {
  const byKey = new Map(actions.map((a) => [a.key, a]));
  for (const wanted of sel.actions ?? []) {
    if (!actions.some((a) => matchesName(a, wanted))) {
      throw new SelectionError(`unknown action "${wanted}"; known actions: ${actions.map((a) => a.target.name).sort().join(", ")}`);
    }
  }
  const tags = new Set(actions.flatMap((a) => a.tags));
  for (const tag of sel.tags ?? []) {
    if (!tags.has(tag)) throw new SelectionError(`unknown tag "${tag}"; known tags: ${[...tags].sort().join(", ")}`);
  }
  const all = !sel.tags?.length && !sel.actions?.length;
  const chosen = new Set(
    actions
      .filter((a) => all || a.tags.some((t) => sel.tags?.includes(t)) || (sel.actions ?? []).some((w) => matchesName(a, w)))
      .map((a) => a.key),
  );
  const closure = (next: (a: Action) => string[]) => {
    const queue = [...chosen];
    while (queue.length) {
      const action = byKey.get(queue.pop()!);
      for (const k of action ? next(action) : []) {
        if (byKey.has(k) && !chosen.has(k)) {
          chosen.add(k);
          queue.push(k);
        }
      }
    }
  };
  if (sel.includeDependencies) closure((a) => a.dependencies);
  if (sel.includeDependents) closure((a) => actions.filter((b) => b.dependencies.includes(a.key)).map((b) => b.key));
  for (const a of actions) if (a.parent && chosen.has(a.parent)) chosen.add(a.key);
  return chosen;
}

/** Dependency order (stable: graph order among independent actions); a cycle is an error. */
export function topologicalOrder(actions: Action[]): Action[] {
  const byKey = new Map(actions.map((a) => [a.key, a]));
  const state = new Map<string, "visiting" | "done">();
  const order: Action[] = [];
  const visit = (a: Action, path: string[]) => {
    if (state.get(a.key) === "done") return;
    if (state.get(a.key) === "visiting") throw new Error(`dependency cycle: ${[...path, a.key].join(" -> ")}`);
    state.set(a.key, "visiting");
    for (const dep of a.dependencies) {
      const d = byKey.get(dep);
      if (d) visit(d, [...path, a.key]);
    }
    state.set(a.key, "done");
    order.push(a);
  };
  for (const a of actions) visit(a, []);
  return order;
}
