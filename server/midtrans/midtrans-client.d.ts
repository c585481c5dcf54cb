// Local types for midtrans-client 1.4.3 (@types/midtrans-client is too thin).
declare module "midtrans-client" {
  interface ClientOptions {
    isProduction: boolean;
    serverKey: string;
    clientKey?: string;
  }
  interface ApiConfig {
    getSnapApiBaseUrl(): string;
    getCoreApiBaseUrl(): string;
    get(): { isProduction: boolean; serverKey: string; clientKey: string };
  }
  interface HttpClient {
    http_client: import("axios").AxiosInstance;
  }
  interface Transaction {
    status(orderIdOrTransactionId: string): Promise<Record<string, unknown>>;
    cancel(orderId: string): Promise<Record<string, unknown>>;
    expire(orderId: string): Promise<Record<string, unknown>>;
    refund(orderId: string, params?: Record<string, unknown>): Promise<Record<string, unknown>>;
    notification(body: Record<string, unknown> | string): Promise<Record<string, unknown>>;
  }
  class Snap {
    constructor(options: ClientOptions);
    apiConfig: ApiConfig;
    httpClient: HttpClient;
    transaction: Transaction;
    createTransaction(parameter: Record<string, unknown>): Promise<{ token: string; redirect_url: string }>;
  }
  class CoreApi {
    constructor(options: ClientOptions);
    apiConfig: ApiConfig;
    httpClient: HttpClient;
    transaction: Transaction;
  }
  class MidtransError extends Error {
    httpStatusCode: number | string | null;
    ApiResponse: unknown;
    rawHttpClientData: unknown;
  }
  const midtransClient: { Snap: typeof Snap; CoreApi: typeof CoreApi; MidtransError: typeof MidtransError };
  export default midtransClient;
  export { Snap, CoreApi, MidtransError };
}
