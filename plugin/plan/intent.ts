// The validated intent, indexed once so every later pass is a lookup, not a scan.
import type { SourcePos } from '../errors.ts';
import type { Policy } from '../schema/environment.ts';
import type { Flow, PlatformSpec, Protocol, Workload } from '../schema/platform.ts';

export interface ResolvedEnvironment {
  name: string;
  policy: Policy;
  /** the environment builds on the built-in prod baseline, so the floor applies */
  floor: boolean;
  /** files of the extends chain, most specific first (for messages) */
  chain: string[];
}

export interface Intent {
  env: ResolvedEnvironment;
  platform: PlatformSpec;
  /** Istio API versions to emit */
  istio: { security: string; networking: string };
}

export interface WorkloadRef extends Workload {
  name: string;
  namespace: string;
}

export type Side =
  | { kind: 'workload'; workload: WorkloadRef }
  | { kind: 'module'; module: string; namespace: string; selectorLabels?: Record<string, string> }
  | { kind: 'cidr'; cidr: string; except: string[] };

/** A destination port after names are resolved on the receiving pods. */
export interface PortSpec {
  port: number;
  endPort?: number;
}

export interface ResolvedFlow {
  /** "flows[3]" or "monitoring" — for messages and explain */
  id: string;
  pos?: SourcePos;
  from: Side;
  to: Side;
  /** undefined: every port */
  ports?: PortSpec[];
  protocol: Protocol;
  http?: Flow['http'];
}
