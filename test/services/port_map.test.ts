import { describe, expect, test } from "bun:test";
import { DENSE_PORTS, PortMap } from "../../src/services/port_map.ts";

describe("PortMap (per-hotspot tables by port index)", () => {
  test("get/set/delete/size/values over dense and far indexes", () => {
    const m = new PortMap<{ id: number }>();
    m.set(3, { id: 3 });
    m.set(0, { id: 0 });
    m.set(DENSE_PORTS + 5, { id: -5 });
    m.set(-1, { id: -1 });
    expect(m.size).toBe(4);
    expect(m.get(3)?.id).toBe(3);
    expect(m.get(2)).toBeUndefined();
    expect(m.has(DENSE_PORTS + 5)).toBe(true);
    m.set(3, { id: 33 }); // replaced, not counted twice
    expect(m.size).toBe(4);
    expect([...m.values()].map((v) => v.id)).toEqual([0, 33, -5, -1]);
    expect(m.delete(3)).toBe(true);
    expect(m.delete(3)).toBe(false);
    expect(m.delete(-1)).toBe(true);
    expect(m.delete(DENSE_PORTS + 6)).toBe(false);
    expect(m.size).toBe(2);
    expect([...m.values()].map((v) => v.id)).toEqual([0, -5]);
  });
});
