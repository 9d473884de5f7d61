/** How long a waitlist offer is held for the first fan in line before it passes to the next (minutes). */
export const WAITLIST_OFFER_MINUTES = 15;
