export { startSimulator } from "./server.ts";
export type { Simulator, SimulatorOptions, FaultOptions, GroundTruth } from "./server.ts";
