/**
 * EIP-712 types of OpenZeppelin's ERC2771Forwarder requests (domain name "TicketChainForwarder", version "1").
 * The nonce is signed but not sent: the forwarder reads it. Shared by the server's relays (claims, kept-ticket
 * resale, card resale fills) and the contract tests.
 */
export const FORWARD_REQUEST_TYPES = {
  ForwardRequest: [
    { name: "from", type: "address" },
    { name: "to", type: "address" },
    { name: "value", type: "uint256" },
    { name: "gas", type: "uint256" },
    { name: "nonce", type: "uint256" },
    { name: "deadline", type: "uint48" },
    { name: "data", type: "bytes" },
  ],
} as const;
