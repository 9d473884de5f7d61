import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { eq } from "drizzle-orm";
import { useCallback, useEffect, useRef, useState } from "react";
import { checkPassTime, decodeDoorPass, isSignedByHolder } from "~/lib/door-pass";
import { formatEventDate } from "~/lib/format";
import { requireDoor } from "~/services/door-http.server";
import { commitSession } from "~/services/session.server";
import { getDb } from "../../db/client.server";
import { events } from "../../db/schema";

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `Door — ${data?.event.name ?? "TicketChain"}` }];

export async function loader({ request, params }: LoaderFunctionArgs) {
  const { user, event } = await requireDoor(request, params.eventSlug);
  const [row] = await (await getDb()).select({ startsAt: events.startsAt, venue: events.venue }).from(events).where(eq(events.id, event.id));
  return Response.json(
    {
      event: { slug: event.slug, name: event.name, venue: row?.venue ?? "", startsAt: row?.startsAt.toISOString() ?? null, cancelled: event.status === "cancelled" },
      steward: user.displayName,
    },
    { headers: await commitSession(request) },
  );
}

interface LoaderData {
  event: { slug: string; name: string; venue: string; startsAt: string | null; cancelled: boolean };
  steward: string;
}
interface ScanTicket {
  tokenId: string;
  tier: string | null;
  seat: number | null;
}
interface Verdict {
  ok: boolean;
  reason: string;
  ticket: ScanTicket | null;
  offline?: boolean;
}
interface ManifestTicket extends ScanTicket {
  owner: string;
  checkedIn: boolean;
}
interface Manifest {
  event: { chainId: number; contract: string | null; cancelled: boolean };
  tickets: ManifestTicket[];
  generatedAt: string;
}
interface QueuedScan {
  id: string;
  pass: string;
  scannedAt: string;
  gate: string;
  tokenId: string;
}
interface Conflict {
  id: string;
  tokenId: string | null;
  reason: string;
}

type BarcodeDetectorLike = { detect(source: CanvasImageSource): Promise<Array<{ rawValue: string }>> };

function readStore<T>(key: string, fallback: T): T {
  try {
    const raw = window.localStorage.getItem(key);
    return raw ? (JSON.parse(raw) as T) : fallback;
  } catch {
    return fallback;
  }
}

/** Verifies a pass against the downloaded manifest, without the network (same checks as the server). */
async function verifyOffline(text: string, manifest: Manifest | null, queue: QueuedScan[]): Promise<Verdict> {
  const decoded = decodeDoorPass(text);
  if (!decoded.ok) return { ok: false, reason: decoded.reason, ticket: null, offline: true };
  const { pass, signature } = decoded;
  if (!manifest) return { ok: false, reason: "Offline and no ticket list downloaded: cannot verify", ticket: null, offline: true };
  if (!manifest.event.contract || pass.chainId !== manifest.event.chainId || pass.ticket.toLowerCase() !== manifest.event.contract.toLowerCase()) {
    return { ok: false, reason: "Ticket for another event", ticket: null, offline: true };
  }
  if (manifest.event.cancelled) return { ok: false, reason: "This event was cancelled: no entry", ticket: null, offline: true };
  const time = checkPassTime(pass);
  if (!time.ok) return { ok: false, reason: time.reason, ticket: null, offline: true };
  if (!(await isSignedByHolder(pass, signature))) return { ok: false, reason: "Forged pass: the signature is not the holder's", ticket: null, offline: true };
  const entry = manifest.tickets.find((t) => t.tokenId === pass.tokenId.toString());
  if (!entry) return { ok: false, reason: `Ticket #${pass.tokenId} is not on the ticket list`, ticket: null, offline: true };
  const ticket = { tokenId: entry.tokenId, tier: entry.tier, seat: entry.seat };
  if (entry.owner.toLowerCase() !== pass.holder.toLowerCase()) {
    return { ok: false, reason: "Ticket changed hands after this pass was made", ticket, offline: true };
  }
  if (entry.checkedIn || queue.some((q) => q.tokenId === entry.tokenId)) return { ok: false, reason: "Already checked in", ticket, offline: true };
  return { ok: true, reason: "Welcome in (offline — will sync)", ticket, offline: true };
}

const button =
  "inline-flex items-center justify-center rounded-lg px-4 py-2.5 text-sm font-semibold shadow-sm focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-brand-600 disabled:cursor-not-allowed disabled:opacity-60";

export default function DoorScanner() {
  const { event, steward } = useLoaderData<LoaderData>();
  const base = `/door/${event.slug}`;
  const storeKey = (name: string) => `tc:door:${event.slug}:${name}`;
  const [gate, setGate] = useState("");
  const [text, setText] = useState("");
  const [verdict, setVerdict] = useState<Verdict | null>(null);
  const [busy, setBusy] = useState(false);
  const [online, setOnline] = useState(true);
  const [manifest, setManifest] = useState<Manifest | null>(null);
  const [queue, setQueue] = useState<QueuedScan[]>([]);
  const [conflicts, setConflicts] = useState<Conflict[]>([]);
  const [camera, setCamera] = useState<"off" | "starting" | "on" | "unavailable">("off");
  const [cameraError, setCameraError] = useState<string | null>(null);
  const videoRef = useRef<HTMLVideoElement>(null);
  const streamRef = useRef<MediaStream | null>(null);
  const pausedRef = useRef(false);
  const nextRef = useRef<HTMLButtonElement>(null);
  const inputRef = useRef<HTMLTextAreaElement>(null);

  // Restore the gate, the offline ticket list and the queue of this device.
  useEffect(() => {
    setGate(readStore(storeKey("gate"), ""));
    setManifest(readStore<Manifest | null>(storeKey("manifest"), null));
    setQueue(readStore<QueuedScan[]>(storeKey("queue"), []));
    setConflicts(readStore<Conflict[]>(storeKey("conflicts"), []));
    setOnline(navigator.onLine);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);
  useEffect(() => window.localStorage.setItem(storeKey("gate"), JSON.stringify(gate)), [gate]); // eslint-disable-line react-hooks/exhaustive-deps
  const saveQueue = (next: QueuedScan[]) => {
    setQueue(next);
    window.localStorage.setItem(storeKey("queue"), JSON.stringify(next));
  };

  const refreshManifest = useCallback(async () => {
    try {
      const response = await fetch(`${base}/manifest`, { headers: { Accept: "application/json" } });
      if (!response.ok) return;
      const data = (await response.json()) as Manifest;
      setManifest(data);
      window.localStorage.setItem(storeKey("manifest"), JSON.stringify(data));
    } catch {
      // offline: keep the list we have
    }
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [base]);

  const sync = useCallback(async () => {
    const pending = readStore<QueuedScan[]>(storeKey("queue"), []);
    if (!pending.length) return;
    try {
      const response = await fetch(`${base}/sync`, {
        method: "POST",
        headers: { "Content-Type": "application/json", Accept: "application/json" },
        body: JSON.stringify({ scans: pending.map(({ id, pass, scannedAt, gate }) => ({ id, pass, scannedAt, gate })) }),
      });
      if (!response.ok) return;
      const { results } = (await response.json()) as { results: Array<{ id: string; conflict: boolean; reason: string; tokenId: string | null }> };
      const found = results.filter((r) => r.conflict).map((r) => ({ id: r.id, tokenId: r.tokenId, reason: r.reason }));
      const done = new Set(results.map((r) => r.id));
      const left = readStore<QueuedScan[]>(storeKey("queue"), []).filter((q) => !done.has(q.id));
      saveQueue(left);
      if (found.length) {
        const all = [...readStore<Conflict[]>(storeKey("conflicts"), []), ...found];
        setConflicts(all);
        window.localStorage.setItem(storeKey("conflicts"), JSON.stringify(all));
      }
      void refreshManifest();
    } catch {
      // still offline
    }
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [base, refreshManifest]);

  useEffect(() => {
    void refreshManifest();
    void sync();
    const up = () => {
      setOnline(true);
      void sync();
    };
    const down = () => setOnline(false);
    window.addEventListener("online", up);
    window.addEventListener("offline", down);
    const timer = window.setInterval(() => {
      if (navigator.onLine) {
        void sync();
        void refreshManifest();
      }
    }, 30_000);
    return () => {
      window.removeEventListener("online", up);
      window.removeEventListener("offline", down);
      window.clearInterval(timer);
    };
  }, [refreshManifest, sync]);

  const check = useCallback(
    async (raw: string) => {
      const pass = raw.trim();
      if (!pass || busy) return;
      setBusy(true);
      pausedRef.current = true;
      let result: Verdict;
      try {
        if (!navigator.onLine) throw new TypeError("offline");
        const response = await fetch(`${base}/verify`, {
          method: "POST",
          headers: { "Content-Type": "application/json", Accept: "application/json" },
          body: JSON.stringify({ pass, gate }),
        });
        const body = (await response.json()) as Verdict & { error?: string };
        result = response.ok || response.status === 429 ? { ok: Boolean(body.ok), reason: body.reason ?? body.error ?? "Refused", ticket: body.ticket ?? null } : { ok: false, reason: body.error ?? `Error ${response.status}`, ticket: null };
        setOnline(true);
      } catch (error) {
        if (!(error instanceof TypeError)) throw error;
        // No network: verify here with the downloaded list and queue the check-in.
        setOnline(false);
        const current = readStore<QueuedScan[]>(storeKey("queue"), []);
        result = await verifyOffline(pass, manifest, current);
        if (result.ok && result.ticket) {
          saveQueue([...current, { id: crypto.randomUUID(), pass, scannedAt: new Date().toISOString(), gate, tokenId: result.ticket.tokenId }]);
        }
      }
      setVerdict(result);
      setBusy(false);
      window.setTimeout(() => nextRef.current?.focus(), 0);
    },
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [base, busy, gate, manifest],
  );

  const scanNext = () => {
    setVerdict(null);
    setText("");
    pausedRef.current = false;
    window.setTimeout(() => inputRef.current?.focus(), 0);
  };

  const stopCamera = () => {
    streamRef.current?.getTracks().forEach((t) => t.stop());
    streamRef.current = null;
    setCamera("off");
  };
  useEffect(() => () => streamRef.current?.getTracks().forEach((t) => t.stop()), []);

  const startCamera = async () => {
    setCameraError(null);
    if (!navigator.mediaDevices?.getUserMedia) {
      setCamera("unavailable");
      setCameraError("This device has no camera access here: paste the pass text below.");
      return;
    }
    setCamera("starting");
    try {
      const stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false });
      streamRef.current = stream;
      const video = videoRef.current!;
      video.srcObject = stream;
      await video.play();
      setCamera("on");
      const Detector = (window as unknown as { BarcodeDetector?: new (o: { formats: string[] }) => BarcodeDetectorLike }).BarcodeDetector;
      const detector = Detector ? new Detector({ formats: ["qr_code"] }) : null;
      const jsQR = detector ? null : (await import("jsqr")).default;
      const canvas = document.createElement("canvas");
      const tick = async () => {
        if (!streamRef.current) return;
        if (!pausedRef.current && video.readyState >= 2) {
          let found: string | null = null;
          if (detector) {
            found = (await detector.detect(video).catch(() => []))[0]?.rawValue ?? null;
          } else if (jsQR) {
            canvas.width = video.videoWidth;
            canvas.height = video.videoHeight;
            const ctx = canvas.getContext("2d", { willReadFrequently: true })!;
            ctx.drawImage(video, 0, 0);
            const image = ctx.getImageData(0, 0, canvas.width, canvas.height);
            found = jsQR(image.data, image.width, image.height, { inversionAttempts: "dontInvert" })?.data ?? null;
          }
          if (found) {
            setText(found);
            void check(found);
          }
        }
        window.setTimeout(() => void tick(), 150);
      };
      void tick();
    } catch (error) {
      setCamera("unavailable");
      setCameraError(`The camera could not start (${(error as Error).name}): paste the pass text below.`);
    }
  };

  return (
    <div className="mx-auto max-w-xl">
      <div className="flex flex-wrap items-end justify-between gap-3">
        <div>
          <p className="text-sm font-semibold uppercase tracking-wide text-brand-700">Door check-in</p>
          <h1 className="text-2xl font-bold tracking-tight">{event.name}</h1>
          <p className="text-sm text-zinc-600">
            {event.venue}
            {event.startsAt ? (
              <>
                {" · "}
                <time dateTime={event.startsAt}>{formatEventDate(event.startsAt)}</time>
              </>
            ) : null}
          </p>
        </div>
        <p className={`rounded-full px-3 py-1 text-xs font-semibold ${online ? "bg-emerald-50 text-emerald-800" : "bg-amber-100 text-amber-900"}`} role="status" data-testid="network">
          {online ? "Online" : "Offline — scans are queued"}
        </p>
      </div>

      {event.cancelled ? <p className="mt-4 rounded-lg bg-red-50 p-3 text-sm font-semibold text-red-800">This event was cancelled: no tickets are valid.</p> : null}

      <section className="mt-5 overflow-hidden rounded-2xl border border-zinc-200 bg-white shadow-sm" aria-label="Scanner">
        <div className="relative aspect-[4/3] bg-zinc-900">
          <video ref={videoRef} className={`size-full object-cover ${camera === "on" ? "" : "hidden"}`} muted playsInline aria-label="Camera preview" />
          {camera !== "on" ? (
            <div className="absolute inset-0 flex flex-col items-center justify-center gap-3 p-6 text-center text-zinc-200">
              <p className="text-sm">{cameraError ?? "Point the camera at the fan's ticket QR, or paste the pass text below."}</p>
              <button type="button" onClick={startCamera} disabled={camera === "starting"} className={`${button} bg-white text-zinc-900 hover:bg-zinc-100`}>
                {camera === "starting" ? "Starting camera…" : "Start camera"}
              </button>
            </div>
          ) : (
            <button type="button" onClick={stopCamera} className={`${button} absolute right-3 top-3 bg-white/90 text-zinc-900`}>
              Stop camera
            </button>
          )}
        </div>

        <div className="p-5">
          {verdict ? (
            <div
              role="alert"
              data-testid="verdict"
              data-ok={verdict.ok ? "true" : "false"}
              className={`rounded-xl p-5 text-white ${verdict.ok ? "bg-emerald-600" : "bg-red-600"}`}
            >
              <p className="flex items-center gap-3 text-2xl font-bold">
                <span aria-hidden="true" className="text-3xl">
                  {verdict.ok ? "✓" : "✕"}
                </span>
                {verdict.ok ? "Valid — let in" : "Refused"}
              </p>
              <p className="mt-2 text-lg font-medium">{verdict.reason}</p>
              {verdict.ticket ? (
                <p className="mt-2 text-sm text-white/90">
                  Ticket #{verdict.ticket.tokenId}
                  {verdict.ticket.tier ? ` · ${verdict.ticket.tier}` : ""}
                  {verdict.ticket.seat ? ` · seat ${verdict.ticket.seat}` : ""}
                </p>
              ) : null}
              <button ref={nextRef} type="button" onClick={scanNext} className={`${button} mt-4 w-full bg-white text-zinc-900 hover:bg-zinc-100`}>
                Scan next ticket
              </button>
            </div>
          ) : (
            <form
              onSubmit={(e) => {
                e.preventDefault();
                void check(text);
              }}
              className="space-y-3"
            >
              <label htmlFor="pass" className="block text-sm font-medium text-zinc-800">
                Pass text (manual entry)
              </label>
              <textarea
                id="pass"
                ref={inputRef}
                value={text}
                onChange={(e) => setText(e.target.value)}
                rows={3}
                spellCheck={false}
                autoComplete="off"
                placeholder="TC1:…"
                className="block w-full rounded-lg border border-zinc-300 px-3 py-2 font-mono text-xs shadow-sm focus:border-brand-600 focus:outline-none focus:ring-2 focus:ring-brand-600/30"
              />
              <button type="submit" disabled={busy || !text.trim()} className={`${button} w-full bg-brand-700 text-white hover:bg-brand-600`}>
                {busy ? "Checking…" : "Check ticket"}
              </button>
            </form>
          )}
        </div>
      </section>

      <section className="mt-5 grid gap-4 rounded-2xl border border-zinc-200 bg-white p-5 text-sm shadow-sm sm:grid-cols-2" aria-label="This scanner">
        <label className="block font-medium text-zinc-800">
          Gate
          <input
            value={gate}
            onChange={(e) => setGate(e.target.value.slice(0, 40))}
            placeholder="e.g. gate A"
            className="mt-1 block w-full rounded-lg border border-zinc-300 px-3 py-2 font-normal focus:border-brand-600 focus:outline-none focus:ring-2 focus:ring-brand-600/30"
          />
        </label>
        <dl className="grid grid-cols-2 gap-x-4 gap-y-1 self-end text-zinc-600">
          <dt>Steward</dt>
          <dd className="font-medium text-zinc-900">{steward}</dd>
          <dt>Ticket list</dt>
          <dd className="font-medium text-zinc-900" data-testid="manifest">
            {manifest ? `${manifest.tickets.length} ticket${manifest.tickets.length === 1 ? "" : "s"}` : "not downloaded"}
          </dd>
          <dt>Waiting to sync</dt>
          <dd className="font-medium text-zinc-900">{queue.length}</dd>
        </dl>
      </section>

      {conflicts.length ? (
        <section className="mt-5 rounded-2xl border border-amber-300 bg-amber-50 p-5 text-sm text-amber-950" aria-labelledby="conflicts-heading">
          <h2 id="conflicts-heading" className="font-semibold">
            Conflicts from offline scans
          </h2>
          <p className="mt-1">These tickets were let in while offline, but the server refused them: find the guest or tell the head of security.</p>
          <ul className="mt-2 list-disc space-y-1 pl-5">
            {conflicts.map((c) => (
              <li key={c.id}>
                Ticket #{c.tokenId ?? "?"}: {c.reason}
              </li>
            ))}
          </ul>
          <button
            type="button"
            className="mt-3 text-sm font-semibold underline"
            onClick={() => {
              setConflicts([]);
              window.localStorage.removeItem(storeKey("conflicts"));
            }}
          >
            Clear the list
          </button>
        </section>
      ) : null}
    </div>
  );
}
