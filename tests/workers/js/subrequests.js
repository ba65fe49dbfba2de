// Makes `?n=` subrequests (default 1) through fetch() and reports what came back.
// With ?catch=1 it catches fetch() failures and answers anyway.
export default {
  async fetch(request) {
    const url = new URL(request.url);
    const n = Number(url.searchParams.get("n") || "1");
    const results = [];
    for (let i = 0; i < n; i++) {
      try {
        const response = await fetch(`https://upstream.example.com/item/${i}`, {
          method: "POST",
          headers: { "x-index": String(i) },
          body: `item ${i}`,
        });
        results.push({ status: response.status, type: response.headers.get("content-type"), text: await response.text() });
      } catch (error) {
        if (!url.searchParams.get("catch")) throw error;
        results.push({ error: `${error.name}: ${error.message}` });
      }
    }
    return Response.json(results);
  },
};
