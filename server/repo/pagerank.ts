/**
 * Weighted, personalised PageRank over the factored reference graph, computed as networkx does
 * (Aider calls `nx.pagerank`): rank from files without out-edges ("dangling") is spread by the
 * personalization, like the teleport, and iteration stops when the summed change is below
 * files × tolerance. Deterministic: the same graph always sums in the same order.
 */
import type { ReferenceGraph } from './graph';

export interface PageRankOptions {
  /** Teleport distribution; uniform when absent. Need not be normalised. */
  personalization?: Float64Array;
  damping?: number;
  maxIterations?: number;
  tolerance?: number;
}

export interface Ranks {
  /** Per file, summing to 1. */
  files: Float64Array;
  /** Per ident: the rank each of its definitions receives (its share of the flow). */
  idents: Float64Array;
}

function normalised(vector: Float64Array | undefined, size: number): Float64Array {
  const total = vector?.reduce((sum, value) => sum + value, 0) ?? 0;
  if (!vector || total <= 0) return new Float64Array(size).fill(1 / size);
  return vector.map((value) => value / total);
}

function definerCount(graph: ReferenceGraph, ident: number): number {
  return graph.definerStart[ident + 1]! - graph.definerStart[ident]!;
}

/** Each file's total out-weight: every reference pair sends its weight to each definer. */
function outWeights(graph: ReferenceGraph, weights: Float64Array): Float64Array {
  const out = new Float64Array(graph.files.length);
  for (let pair = 0; pair < weights.length; pair++) out[graph.refFile[pair]!]! += weights[pair]! * definerCount(graph, graph.refIdent[pair]!);
  return out;
}

/** The rank each ident sends along each of its edges: the same amount to every definer. */
function identFlow(graph: ReferenceGraph, rank: Float64Array, weights: Float64Array, out: Float64Array): Float64Array {
  const flow = new Float64Array(graph.idents.length);
  for (let pair = 0; pair < weights.length; pair++) {
    const file = graph.refFile[pair]!;
    flow[graph.refIdent[pair]!]! += (rank[file]! * weights[pair]!) / out[file]!;
  }
  return flow;
}

function step(graph: ReferenceGraph, rank: Float64Array, teleport: Float64Array, weights: Float64Array, out: Float64Array, damping: number): Float64Array {
  let dangling = 0;
  for (let node = 0; node < rank.length; node++) if (out[node] === 0) dangling += rank[node]!;
  const flow = identFlow(graph, rank, weights, out);
  const next = new Float64Array(rank.length);
  for (let ident = 0; ident < flow.length; ident++) {
    for (let at = graph.definerStart[ident]!; at < graph.definerStart[ident + 1]!; at++) next[graph.definerFiles[at]!]! += damping * flow[ident]!;
  }
  const spread = damping * dangling + (1 - damping);
  for (let node = 0; node < rank.length; node++) next[node]! += spread * teleport[node]!;
  return next;
}

/** `weights` are the reference pairs' weights for this request (focus and mentions applied). */
export function pageRank(graph: ReferenceGraph, weights: Float64Array, options: PageRankOptions = {}): Ranks {
  const { damping = 0.85, maxIterations = 100, tolerance = 1e-6 } = options;
  const nodes = graph.files.length;
  const out = outWeights(graph, weights);
  const teleport = normalised(options.personalization, Math.max(1, nodes));
  let rank: Float64Array = new Float64Array(nodes).fill(1 / nodes);
  for (let iteration = 0; iteration < maxIterations && nodes > 0; iteration++) {
    const next = step(graph, rank, teleport, weights, out, damping);
    let change = 0;
    for (let node = 0; node < nodes; node++) change += Math.abs(next[node]! - rank[node]!);
    rank = next;
    if (change < nodes * tolerance) break;
  }
  return { files: rank, idents: identFlow(graph, rank, weights, out) };
}
