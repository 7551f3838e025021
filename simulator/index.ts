export { RESTATEMENT_KINDS, startSimulator } from "./server.ts";
export type { Simulator, SimulatorOptions, FaultOptions, GroundTruth, TruthRange, Restatement, RestatementKind, RestateOptions } from "./server.ts";
