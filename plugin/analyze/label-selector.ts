// Kubernetes LabelSelector matching (metav1.LabelSelector), compiled once per
// policy so that evaluating thousands of connections does not re-walk the YAML.
//
// Only a *present* selector is handled here. What an absent selector means
// differs by field (NetworkPolicy peer: "not constrained"; Istio selector: "all
// workloads of the namespace"), so callers decide before calling.

export type Labels = Record<string, string>;

export interface LabelSelectorRequirement {
  key: string;
  operator: string;
  values?: string[];
}

export interface LabelSelector {
  matchLabels?: Record<string, string> | null;
  matchExpressions?: LabelSelectorRequirement[] | null;
}

export type LabelMatcher = (labels: Labels) => boolean;

const matchAll: LabelMatcher = () => true;

/**
 * Compile a selector into a predicate. `{}` (no labels, no expressions)
 * selects everything. An unknown operator makes the selector match nothing,
 * as the API server would have rejected the object.
 */
export function compileSelector(selector: LabelSelector): LabelMatcher {
  const labels = Object.entries(selector.matchLabels ?? {});
  const exprs = (selector.matchExpressions ?? []).map(compileRequirement);
  if (labels.length === 0 && exprs.length === 0) return matchAll;
  return (target) => {
    for (const [k, v] of labels) if (target[k] !== v) return false;
    for (const e of exprs) if (!e(target)) return false;
    return true;
  };
}

function compileRequirement(req: LabelSelectorRequirement): LabelMatcher {
  const values = new Set(req.values ?? []);
  const has = (t: Labels) => Object.prototype.hasOwnProperty.call(t, req.key);
  switch (req.operator) {
    case 'In':
      return (t) => has(t) && values.has(t[req.key]!);
    case 'NotIn':
      // A missing key satisfies NotIn (k8s.io/apimachinery labels.Requirement.Matches).
      return (t) => !has(t) || !values.has(t[req.key]!);
    case 'Exists':
      return has;
    case 'DoesNotExist':
      return (t) => !has(t);
    default:
      return () => false;
  }
}

/** One-shot convenience for callers that do not keep the compiled form. */
export function matchesSelector(selector: LabelSelector, labels: Labels): boolean {
  return compileSelector(selector)(labels);
}
