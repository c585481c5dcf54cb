// The server services Remix loaders and actions call. `.server` keeps this module (and
// midtrans-client, postgres…) out of the browser bundle.
export { verifyPayment } from "../server/payments/payments.service";
export { isDomainError } from "../server/lib/errors";
