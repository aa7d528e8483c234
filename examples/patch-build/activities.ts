/** Sends the invoice; says which build sent it, so the walk shows where each workflow finished. */
export async function sendInvoice(total: string): Promise<string> {
  return `invoice of ${total} sent by ${process.env.STRATA_WORKER_BUILD_ID ?? 'an unversioned worker'}`;
}
