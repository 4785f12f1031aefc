import { describe, expect, test } from "bun:test";
import { PriorityGate } from "../../src/synth/priorityGate.ts";

describe("PriorityGate", () => {
  test("at most `slots` tasks at once; waiters served highest priority first, FIFO among equals", async () => {
    const gate = new PriorityGate(2);
    const order: string[] = [];
    let running = 0;
    let peak = 0;
    const releases: (() => void)[] = [];
    const task = (name: string, priority: number) =>
      gate.run(priority, async () => {
        running++;
        peak = Math.max(peak, running);
        order.push(name);
        await new Promise<void>((resolve) => releases.push(resolve));
        running--;
      });
    const all = [task("a", 0), task("b", 0), task("low", 1), task("high", 5), task("low2", 1)];
    await Promise.resolve();
    expect(order).toEqual(["a", "b"]);
    while (order.length < 5) {
      releases.shift()!();
      await new Promise((r) => setTimeout(r, 0));
    }
    releases.forEach((r) => r());
    await Promise.all(all);
    expect(order).toEqual(["a", "b", "high", "low", "low2"]);
    expect(peak).toBe(2);
  });

  test("a failing task releases its slot", async () => {
    const gate = new PriorityGate(1);
    await expect(gate.run(0, () => Promise.reject(new Error("boom")))).rejects.toThrow("boom");
    expect(await gate.run(0, () => Promise.resolve(7))).toBe(7);
  });
});
