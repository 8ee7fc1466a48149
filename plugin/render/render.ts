// Render stage: planned resources → YAML text, one template call each.
import type { PlannedResource } from '../plan/resource.ts';
import type { TemplateFn } from './templates.ts';

export interface RenderedResource {
  planned: PlannedResource;
  /** where the template came from, for messages */
  templateFile: string;
  text: string;
  /** the JSON texts the `json` helper printed into text, in order (see check/fast-yaml.ts) */
  printedJson: string[];
}

export function renderResources(
  planned: PlannedResource[],
  templates: Map<string, TemplateFn>,
  templateFiles: Map<string, string>,
): RenderedResource[] {
  return planned.map((p) => ({
    planned: p,
    templateFile: templateFiles.get(p.template) ?? `builtin:templates/${p.template}.yaml.hbs`,
    ...templates.get(p.template)!(p.values),
  }));
}
