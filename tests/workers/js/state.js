// Module-level state, and one misbehaviour per `?do=`, for the context-reuse tests.
// Answers JSON: the request count of this context, the late timer count, cf, env.
let n = 0;
let late = 0;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export default {
  async fetch(request, env, ctx) {
    n++;
    const q = new URL(request.url).searchParams;
    const what = q.get("do");
    if (what === "throw") throw new Error("boom");
    if (what === "invalid") return "not a response";
    if (what === "big") return new Response("x".repeat(5000));
    if (what === "spin") for (;;) {}
    if (what === "hog") {
      const hoard = [];
      for (;;) hoard.push(new Array(100000).fill(hoard.length));
    }
    if (what === "hang") return new Promise(() => {});
    if (what === "leave") {
      // a timer and an interval the response does not wait for
      setTimeout(() => { late++; console.log(`late timer of request ${n}`); }, 10);
      setInterval(() => { late++; console.log(`interval of request ${n}`); }, 5);
    }
    if (what === "wait") await sleep(50);
    if (what === "waituntil") {
      ctx.waitUntil(sleep(20).then(() => { late += 10; console.log(`waitUntil of request ${n}`); }));
    }
    if (what === "log") console.log("y".repeat(400000));
    const fetched = [];
    for (let i = 0; i < Number(q.get("fetch") || 0); i++) {
      try {
        const response = await fetch(q.get("to") || `https://upstream.example.com/${i}`);
        fetched.push(await response.text());
      } catch (error) {
        fetched.push(`${error.name}: ${error.message}`);
      }
    }
    return Response.json({ n, late, cf: request.cf === undefined ? "absent" : request.cf, env, fetched });
  },
};
