import { startSimulator } from "../../simulator/index.ts";
const sim = await startSimulator({ users: 5, days: 5, rateLimits: false, port: 18601 });
console.log(JSON.stringify({ baseUrls: sim.baseUrls, credentials: sim.credentials }));
setTimeout(() => sim.close(), 60_000);
