/**
 * Every PromQL query of a generated dashboard, and how to turn one into a query a live
 * Prometheus answers: a stack test substitutes the Grafana variables with
 * {@link substituteVariables} and runs each result against `/api/v1/query`.
 *
 * Variables the dashboards use in queries (always in the `$name` form, only as shown):
 * - `$job`: in `job=~"$job"` matchers → the job name, e.g. `cxprobe`;
 * - `$instance`, `$target`: in `instance=~"$instance"`, `target=~"$target"` → `.*` (All);
 * - `$__rate_interval`: in `[$__rate_interval]` range selectors → a duration of at least four
 *   scrape intervals, e.g. `1m` for a 1 s scrape interval.
 * `$datasource` appears only in datasource references, never in an expression.
 */

/** A panel title and one of its query expressions, variables left in place. */
export interface DashboardQuery {
  panel: string;
  expr: string;
}

/** Values for the dashboard variables; see the module comment. */
export type DashboardVariables = Readonly<Record<string, string>>;

/** The substitution a stack test at a 1 s scrape interval uses. */
export const STACK_TEST_VARIABLES: DashboardVariables = {
  job: 'cxprobe',
  instance: '.*',
  target: '.*',
  __rate_interval: '1m',
  __interval: '15s',
  __range: '1h',
};

interface PanelJson {
  title?: unknown;
  type?: unknown;
  targets?: unknown;
  panels?: unknown;
}

function panelsOf(value: unknown): PanelJson[] {
  if (typeof value !== 'object' || value === null) return [];
  const panels = (value as PanelJson).panels;
  if (!Array.isArray(panels)) return [];
  // Collapsed rows keep their panels inside the row.
  return (panels as PanelJson[]).flatMap((panel) => [panel, ...panelsOf(panel)]);
}

/**
 * Every query of a dashboard (the JSON text of a generated file, or the parsed object), in
 * panel order: with the variables left in place, or substituted when `variables` is given
 * (e.g. {@link STACK_TEST_VARIABLES}).
 */
export function dashboardQueries(
  dashboardJson: string | object,
  variables?: DashboardVariables,
): DashboardQuery[] {
  const parsed: unknown =
    typeof dashboardJson === 'string' ? JSON.parse(dashboardJson) : dashboardJson;
  const queries: DashboardQuery[] = [];
  for (const panel of panelsOf(parsed)) {
    if (!Array.isArray(panel.targets)) continue;
    for (const target of panel.targets as unknown[]) {
      const expr = (target as { expr?: unknown } | null)?.expr;
      if (typeof expr === 'string' && expr !== '') {
        const title = typeof panel.title === 'string' ? panel.title : '';
        queries.push({
          panel: title,
          expr: variables === undefined ? expr : substituteVariables(expr, variables),
        });
      }
    }
  }
  return queries;
}

/**
 * Replaces `$name` and `${name}` with the given values (a name is a whole word, so
 * `$__rate_interval` is never read as `$__rate`).
 *
 * @throws {Error} when a variable is left that has no value.
 */
export function substituteVariables(
  expr: string,
  variables: DashboardVariables = STACK_TEST_VARIABLES,
): string {
  return expr.replace(/\$\{(\w+)\}|\$(\w+)/g, (match, braced?: string, bare?: string) => {
    const value = variables[braced ?? bare ?? ''];
    if (value === undefined) throw new Error(`no value for dashboard variable ${match} in ${expr}`);
    return value;
  });
}
