/** The bounded queue's bookkeeping (`admission.ts`): admission limit, queue depth, Retry-After. */
import { expect, test } from "bun:test";
import { Admission, defaultMaxQueue } from "../../src/serve/admission.ts";

test("admits capacity + maxQueue requests, refuses the next, and frees on finish", () => {
  const a = new Admission(2, 3);
  for (let i = 0; i < 5; i++) expect(a.tryAdmit()).toBe(true);
  expect(a.queued).toBe(3);
  expect(a.tryAdmit()).toBe(false);
  a.finish(2);
  expect(a.admitted).toBe(4);
  expect(a.tryAdmit()).toBe(true);
});

test("Retry-After is the queue's drain time at the recent pace, 1..60 s", () => {
  const a = new Admission(1, 10);
  for (let i = 0; i < 11; i++) a.tryAdmit();
  for (let i = 0; i < 30; i++) {
    a.finish(4); // each request held the sequence 4 s
    a.tryAdmit();
  }
  // 10 waiting + the refused one, 4 s each, 1 sequence: 44 s.
  expect(a.retryAfterSeconds()).toBe(44);
  const idle = new Admission(4, 0);
  expect(idle.retryAfterSeconds()).toBe(1);
  expect(defaultMaxQueue(1)).toBe(16);
  expect(defaultMaxQueue(4)).toBe(32);
});
