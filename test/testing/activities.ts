export async function chargeCard(customer: string): Promise<string> {
  return `charged ${customer}`;
}
