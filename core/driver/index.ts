// Driver: the machine interface, output queues for machines, and the driver
// that connects a machine to a Platform.
export * from "./platform.js";
export * from "./machine.js";
export * from "./output-queue.js";
export * from "./driver.js";
