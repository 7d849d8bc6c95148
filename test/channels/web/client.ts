/**
 * A browser reduced to what the web chat relies on, over fetch: a cookie jar, forms read from the page and posted
 * back with their hidden fields, redirects followed by hand (so each response can be inspected).
 */
export interface Page {
  status: number;
  headers: Headers;
  html: string;
}

export class WebClient {
  readonly cookies = new Map<string, string>();
  /** The last page's forms' hidden fields (csrf, u), in document order. */
  forms: Array<Record<string, string>> = [];

  constructor(readonly origin: string, readonly acceptLanguage = 'nl-BE,nl;q=0.9') {}

  private remember(res: Response): void {
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const eq = pair!.indexOf('=');
      const [name, value] = [pair!.slice(0, eq), pair!.slice(eq + 1)];
      if (value) this.cookies.set(name, value);
      else this.cookies.delete(name);
    }
  }

  private get cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  async get(url: string): Promise<Page> {
    const res = await fetch(url, { headers: { cookie: this.cookieHeader, 'accept-language': this.acceptLanguage }, redirect: 'manual' });
    this.remember(res);
    const html = await res.text();
    this.forms = [...html.matchAll(/<form[^>]*>\n<input type="hidden" name="csrf" value="([^"]*)"><input type="hidden" name="u" value="([^"]*)">/g)].map((m) => ({ csrf: m[1]!, u: m[2]! }));
    return { status: res.status, headers: res.headers, html };
  }

  /** Posts `fields` with the hidden fields of the page's `form`-th form (or `hidden`), like pressing a button in it. */
  async post(url: string, fields: Record<string, string>, o: { form?: number; hidden?: Record<string, string>; headers?: Record<string, string> } = {}): Promise<Page> {
    const hidden = o.hidden ?? this.forms[o.form ?? 0] ?? {};
    const res = await fetch(url, {
      method: 'POST', redirect: 'manual', body: new URLSearchParams({ ...hidden, ...fields }),
      headers: { cookie: this.cookieHeader, 'accept-language': this.acceptLanguage, 'content-type': 'application/x-www-form-urlencoded', origin: this.origin, 'sec-fetch-site': 'same-origin', ...o.headers },
    });
    this.remember(res);
    return { status: res.status, headers: res.headers, html: await res.text() };
  }

  /** Posts, follows the 303 and returns the page it leads to. */
  async submit(url: string, fields: Record<string, string>, o: { form?: number } = {}): Promise<Page> {
    const posted = await this.post(url, fields, o);
    if (posted.status !== 303) throw new Error(`expected 303, got ${posted.status}`);
    return this.get(new URL(posted.headers.get('location')!, url).toString());
  }
}

/** The value of the button labelled `label` (engine button data), from the page's HTML. */
export function buttonValue(html: string, label: string): string {
  const m = [...html.matchAll(/<button type="submit" name="b" value="([^"]*)"[^>]*>([^<]*)<\/button>/g)].find((b) => b[2] === label);
  if (!m) throw new Error(`no button "${label}"`);
  return unescapeHtml(m[1]!);
}

const unescapeHtml = (s: string) => s.replace(/&#39;/g, "'").replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

/** The page's h1, as text. */
export const heading = (html: string): string => unescapeHtml(/<h1[^>]*>([^<]*)<\/h1>/.exec(html)?.[1] ?? '');

/** What a page shows as plain text, in document order (tags dropped), for assertions about wording and order. */
export const pageText = (html: string): string => unescapeHtml(html.replace(/<(script|style)[^>]*>[\s\S]*?<\/\1>/g, '').replace(/<[^>]+>/g, '\n')).replace(/\n\s*\n+/g, '\n').trim();
