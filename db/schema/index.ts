export * from "./auth";
export * from "./regions";
export * from "./clusters";
export * from "./audit";
export * from "./meta";
export * from "./engine";
export * from "./logs";
export * from "./nodes";
