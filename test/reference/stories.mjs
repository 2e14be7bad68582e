// Call sequences run on runtime-wasm and on jco's transpiled output alike
// (test/components-python.test.mjs, through ./jco_calls.mjs), what one call
// gave (also for test/components-jco.test.mjs), and the JSON encoding that
// compares outcomes exactly (bigints, -0, NaN, undefined, typed arrays,
// thrown errors).

/** What one call gave: its value, or what it threw (class, message, payload). */
export function outcome(fn) {
  try {
    return { value: fn() };
  } catch (e) {
    return { threw: e?.constructor?.name, message: e?.message, payload: e?.payload };
  }
}

/** `v` as JSON-safe data that keeps what JSON would lose. */
export function encode(v) {
  if (typeof v === "bigint") return { $bigint: String(v) };
  if (typeof v === "number" && (Object.is(v, -0) || !Number.isFinite(v))) return { $number: Object.is(v, -0) ? "-0" : String(v) };
  if (v === undefined) return { $undefined: true };
  if (ArrayBuffer.isView(v)) return { $bytes: [...v] };
  if (Array.isArray(v)) return v.map(encode);
  if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, encode(x)]));
  return v;
}

export const stories = {
  /** fixtures/components/python: its `api` interface, value by value, and its resource's life. */
  python({ api }, logs) {
    const out = [
      outcome(() => api.greet({ name: "Ann", age: 42, tags: ["admin", "🎉", ""] })),
      outcome(() => api.greet({ name: "\u{10FFFF}é", age: 0, tags: [] })),
      outcome(() => api.wordCount("b a b c a b  🎉 🎉")),
      outcome(() => api.wordCount("")),
      outcome(() => api.parseInt("-9223372036854775808")),
      outcome(() => api.parseInt("9223372036854775807")),
      outcome(() => api.parseInt("x")),
      outcome(() => api.area({ tag: "circle", val: -0 })),
      outcome(() => api.area({ tag: "circle", val: NaN })),
      outcome(() => api.area({ tag: "rect", val: [Infinity, 0] })),
      outcome(() => api.area({ tag: "rect", val: [2.5, -4] })),
    ];
    const s = new api.Stack([1, -2]);
    s.push(2 ** 31 - 1);
    out.push(outcome(() => [s.len(), s.pop(), s.pop(), s.pop(), s.pop()]));
    const r = api.Stack.fromRange(3);
    out.push(outcome(() => [r.len(), r.pop()]));
    out.push({ logs: [...logs] });
    return out;
  },
};
