/** Activities the update tests' workflows call. */
let reservations = 0;

/** Reserves stock and returns a reservation id, numbered across calls so a test can count them. */
export async function reserveStock(sku: string): Promise<string> {
  reservations += 1;
  return `${sku}-r${reservations}`;
}
