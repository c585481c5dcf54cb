/** Small HTTP helpers for API tests: real requests, parsed answers. */
export async function readAnswer(res: Response) {
  const text = await res.text();
  // biome-ignore lint/suspicious/noExplicitAny: an answer's JSON is what the test asserts on, field by field.
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, json, text };
}

export async function postJson(url: string, body: unknown, headers: Record<string, string> = {}) {
  return readAnswer(
    await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body: typeof body === "string" ? body : JSON.stringify(body),
    }),
  );
}

export async function getJson(url: string, headers: Record<string, string> = {}) {
  return readAnswer(await fetch(url, { headers }));
}
