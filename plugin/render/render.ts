// Render stage: planned resources → YAML text (an override), or the resource itself (a compiled
// built-in), one template call each.
import type { PlannedResource } from '../plan/resource.ts';
import type { TemplateFn, TemplateOutput } from './templates.ts';

export type RenderedResource = {
  planned: PlannedResource;
  /** where the template came from, for messages */
  templateFile: string;
} & TemplateOutput;

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
