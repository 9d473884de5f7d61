/**
 * Reading a form body safely: a request that is not a form (JSON, text, no content type) or whose body
 * cannot be parsed (a broken multipart boundary) is a client error, answered 415 / 400 with
 * `{ error }` (pages show it in their error boundary), never a 500.
 */
const FORM_TYPES = /^\s*(application\/x-www-form-urlencoded|multipart\/form-data)\b/i;

export async function readForm(request: Request): Promise<FormData> {
  if (!FORM_TYPES.test(request.headers.get("content-type") ?? "")) {
    throw Response.json({ error: "Send this as a form (application/x-www-form-urlencoded or multipart/form-data)." }, { status: 415 });
  }
  try {
    return await request.formData();
  } catch {
    throw Response.json({ error: "The form could not be read. Reload the page and send it again." }, { status: 400 });
  }
}
