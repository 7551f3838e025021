// The simulated vendors' fixed catalog: teams, names, models and prices. Nothing here depends on time.
import { perMTok } from "./money.ts";

export interface Team { name: string; department: string; costCenter: string }

export const TOKEN_TYPES = [
  "uncached_input_tokens",
  "output_tokens",
  "cache_read_input_tokens",
  "cache_creation.ephemeral_5m_input_tokens",
  "cache_creation.ephemeral_1h_input_tokens",
] as const;
export type TokenType = (typeof TOKEN_TYPES)[number];

export interface AnthropicModel {
  id: string;
  display: string;
  geo: string;
  longContext: boolean;
  /** standard tier, 0-200k context, nanocents per token */
  base: Record<TokenType, bigint>;
}

const TOKEN_LABEL: Record<TokenType, string> = {
  uncached_input_tokens: "Input Tokens",
  output_tokens: "Output Tokens",
  cache_read_input_tokens: "Cache Read Input Tokens",
  "cache_creation.ephemeral_5m_input_tokens": "5m Cache Write Input Tokens",
  "cache_creation.ephemeral_1h_input_tokens": "1h Cache Write Input Tokens",
};

function prices(input: number, output: number): Record<TokenType, bigint> {
  // Anthropic's published ratios: cache read 0.1x, 5m write 1.25x, 1h write 2x input.
  return {
    uncached_input_tokens: perMTok(input),
    output_tokens: perMTok(output),
    cache_read_input_tokens: perMTok(input / 10),
    "cache_creation.ephemeral_5m_input_tokens": perMTok(input * 1.25),
    "cache_creation.ephemeral_1h_input_tokens": perMTok(input * 2),
  };
}

export const ANTHROPIC_MODELS: AnthropicModel[] = [
  { id: "claude-opus-4-6", display: "Claude Opus 4.6", geo: "global", longContext: false, base: prices(5, 25) },
  { id: "claude-sonnet-4-5-20250929", display: "Claude Sonnet 4.5", geo: "global", longContext: true, base: prices(3, 15) },
  { id: "claude-haiku-4-5-20251001", display: "Claude Haiku 4.5", geo: "not_available", longContext: false, base: prices(1, 5) },
];
const MODEL_BY_ID = new Map(ANTHROPIC_MODELS.map((m) => [m.id, m]));

export function anthropicModel(id: string): AnthropicModel {
  const m = MODEL_BY_ID.get(id);
  if (!m) throw new Error(`unknown Anthropic model ${id}`);
  return m;
}

/** nanocents per token: batch is half price; long context (200k-1M) doubles input-side and 1.5x output. */
export function anthropicPrice(modelId: string, tokenType: TokenType, tier: string, contextWindow: string): bigint {
  let p = anthropicModel(modelId).base[tokenType];
  if (contextWindow === "200k-1M") p = tokenType === "output_tokens" ? (p * 3n) / 2n : p * 2n;
  if (tier === "batch") p = p / 2n;
  return p;
}

/** web search: $10 per 1,000 requests = 1 cent each */
export const WEB_SEARCH_NANO = 1_000_000_000n;

/** code execution: $0.05 per container-hour */
export const CODE_EXECUTION_HOUR_NANO = 5n * 1_000_000_000n;

/** The service tiers the cost report bills (its service_tier is standard, batch or null); Priority Tier and other
 * tiers are billed elsewhere (reference §1.3). */
export function isBilledTier(tier: string): boolean {
  return tier === "standard" || tier === "batch";
}

export function costDescription(modelId: string, tokenType: TokenType, tier: string, contextWindow: string): string {
  const m = anthropicModel(modelId);
  const lc = contextWindow === "200k-1M" ? " - Long Context" : "";
  const batch = tier === "batch" ? " (Batch)" : "";
  return `${m.display} Usage - ${TOKEN_LABEL[tokenType]}${lc}${batch}`;
}

export interface CursorModel { id: string; thirdParty: boolean; input: bigint; output: bigint; cacheRead: bigint; cacheWrite: bigint }

export const CURSOR_MODELS: CursorModel[] = [
  { id: "claude-4.5-sonnet", thirdParty: true, input: perMTok(3), output: perMTok(15), cacheRead: perMTok(0.3), cacheWrite: perMTok(3.75) },
  { id: "gpt-5", thirdParty: true, input: perMTok(1.25), output: perMTok(10), cacheRead: perMTok(0.125), cacheWrite: perMTok(1.25) },
  { id: "claude-4.5-opus-high-thinking", thirdParty: true, input: perMTok(5), output: perMTok(25), cacheRead: perMTok(0.5), cacheWrite: perMTok(6.25) },
  { id: "composer-1", thirdParty: false, input: perMTok(1.25), output: perMTok(10), cacheRead: perMTok(0.125), cacheWrite: perMTok(1.25) },
  { id: "auto", thirdParty: false, input: perMTok(1.25), output: perMTok(6), cacheRead: perMTok(0.25), cacheWrite: perMTok(1.25) },
];
/** Cursor Token Rate on third-party models: $0.25 per million tokens */
export const CURSOR_TOKEN_FEE = perMTok(0.25);
/** price of a request-based (non-token) event */
export const CURSOR_REQUEST_NANO = 4n * 1_000_000_000n;

export const TEAMS: Team[] = [
  { name: "Platform", department: "Engineering", costCenter: "CC-1010" },
  { name: "Payments", department: "Engineering", costCenter: "CC-1020" },
  { name: "Mobile", department: "Engineering", costCenter: "CC-1030" },
  { name: "Data", department: "Data & Analytics", costCenter: "CC-2010" },
  { name: "ML Research", department: "Research", costCenter: "CC-3010" },
  { name: "Growth", department: "Marketing", costCenter: "CC-4010" },
];

export const TEAMS_BY_NAME = new Map(TEAMS.map((t) => [t.name, t]));

export const FIRST = ["Ada", "Ben", "Chloe", "Dev", "Elena", "Farid", "Grace", "Hiro", "Ines", "Jonas", "Kemi", "Luca", "Maya", "Nikhil", "Olga", "Pavel", "Quinn", "Rosa", "Sami", "Tara", "Umar", "Vera", "Wen", "Ximena", "Yusuf", "Zoe"];
export const LAST = ["Abbott", "Bianchi", "Chen", "Dubois", "Eriksen", "Fischer", "Garcia", "Haddad", "Ito", "Jensen", "Kowalski", "Larsen", "Moreau", "Nakamura", "Okafor", "Petrov", "Quispe", "Rossi", "Silva", "Tanaka", "Usman", "Varga", "Weber", "Xu", "Yilmaz", "Zimmer"];
export const TERMINALS = ["vscode", "iTerm.app", "tmux", "cursor", "Apple_Terminal", "WezTerm"];

export const EMAIL_DOMAIN = "acme-robotics.example";
