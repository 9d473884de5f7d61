import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Link, useActionData, useLoaderData } from "@remix-run/react";
import { redirect } from "@remix-run/node";
import { EventEditor, type EditorDefaults } from "~/components/promoter/EventEditor";
import { eventFormValues, parseEventForm } from "~/lib/promoter-event";
import { canCreateEvents, chainContext } from "~/services/promoter-context.server";
import { createDraft, PromoterError } from "~/services/promoter.server";
import { requireRole } from "~/services/session.server";
import { getDb } from "../../db/client.server";
import { readForm } from "~/services/forms.server";

export const meta: MetaFunction = () => [{ title: "New event — TicketChain" }];

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireRole(request, "promoter");
  const [ctx, allowed] = await Promise.all([chainContext(), canCreateEvents(user.walletAddress)]);
  return { chainName: ctx.chainName, coin: ctx.coin, rateText: ctx.rateText, wallet: user.walletAddress, allowed };
}

export async function action({ request }: ActionFunctionArgs) {
  const user = await requireRole(request, "promoter");
  const values = eventFormValues(await readForm(request));
  const parsed = parseEventForm(values);
  if (!parsed.ok) return Response.json({ errors: parsed.errors, values, formError: "Check the highlighted fields." }, { status: 400 });
  const ctx = await chainContext();
  try {
    const { slug } = await createDraft(await getDb(), user.id, parsed.data, ctx.chainId, ctx.rate);
    return redirect(`/promoter/events/${slug}`);
  } catch (error) {
    if (error instanceof PromoterError) {
      return Response.json({ errors: error.fieldErrors ?? {}, values, formError: error.message }, { status: error.status });
    }
    throw error;
  }
}

export default function NewEvent() {
  const data = useLoaderData<typeof loader>();
  const result = useActionData<{ errors: Record<string, string>; values: EditorDefaults; formError: string }>();
  return (
    <div className="mx-auto max-w-3xl">
      <nav aria-label="Breadcrumb" className="text-sm text-zinc-600">
        <Link to="/promoter" className="hover:text-brand-700">
          My events
        </Link>{" "}
        / New event
      </nav>
      <h1 className="mt-2 text-3xl font-bold tracking-tight">Create an event</h1>
      <p className="mt-1 text-zinc-600">
        Save a draft, check it, then publish it on {data.chainName} from your wallet.{" "}
        <Link to="/promoter/import" className="font-semibold text-brand-700 hover:underline">
          Import from Ticketmaster instead
        </Link>
      </p>
      {data.allowed === false ? (
        <p role="note" className="mt-4 rounded-lg border border-amber-300 bg-amber-50 p-3 text-sm text-amber-900">
          {data.wallet
            ? `Your wallet ${data.wallet} is not yet allowed to create events on the platform's contract. You can save drafts; ask the TicketChain team to approve your wallet before you publish.`
            : "Sign in with your wallet to publish: events are created on chain from the promoter's own wallet."}
        </p>
      ) : null}
      <div className="mt-6">
        <EventEditor
          key={result ? JSON.stringify(result.values) : "new"}
          defaults={result?.values ?? {}}
          errors={result?.errors ?? {}}
          formError={result?.formError}
          chainName={data.chainName}
          coin={data.coin}
          rateText={data.rateText}
        />
      </div>
    </div>
  );
}
