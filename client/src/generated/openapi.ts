/**
 * The aliyun-voice HTTP API's types, generated from openapi.json by openapi-typescript
 * (`npm run client:types`). Do not edit by hand.
 */

export interface paths {
    "/calls": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Place a call
         * @description Places a call of any of the five types. 202 means Alibaba accepted the call, not that it connected; the outcome arrives with the receipts. A call-placing request is never re-sent automatically once it may have reached Alibaba: on 504 RequestOutcomeUnknown the call may have been placed. Send an Idempotency-Key to make retrying safe: a retry with the same key and body gets the first response again (202, or the same 504) and places no second call.
         */
        post: operations["placeCall"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/calls/{callId}/cancel": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Cancel a click-to-dial call
         * @description No body. A cancelled call's status becomes `cancelled`.
         */
        post: operations["cancelCall"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/calls/{callId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Read one call, its receipts and optionally Alibaba's live detail */
        get: operations["getCall"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/call-requests": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Ask for a person to be reached: a call placed when allowed, redialled until it succeeds
         * @description Creates a call request: `call` is a POST /calls body; `notBefore`, `notAfter` and `window` say when attempts may be placed, `redial` how often, `until` what counts as success ("answered", or "acknowledged" by a key of an IVR menu). A request due now has its first attempt placed before the answer (its status is then in-progress, or waiting when the number's flow-control window is full); a later one is scheduled. With an Idempotency-Key, the same key and body return the same request (202 again) and create nothing new; every attempt is placed at most once. Follow it with GET /call-requests/{requestId} or the `Voice Call Request Changed` events.
         */
        post: operations["createCallRequest"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/call-requests/{requestId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Read a call request: its status, attempts and next attempt */
        get: operations["getCallRequest"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/call-requests/{requestId}/cancel": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Cancel a call request
         * @description No body. No further attempt is placed; a click-to-dial attempt in progress is cancelled at Alibaba too (other call types cannot be hung up). Cancelling again, or a request that has ended, answers `cancelled: false` with its status.
         */
        post: operations["cancelCallRequest"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/receipts/{messageType}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Receive receipts pushed by Alibaba (HTTP batch push)
         * @description The URL to enter in the Voice Service console for HTTP batch push of receipts: Alibaba cannot sign its requests, so this route has no IAM or JWT authorizer and is protected by the `token` query parameter instead. The receipts are stored exactly as polled ones (a receipt both pushed and polled is stored once). A body that cannot be used is stored raw as an invalid receipt and still acknowledged, since a redelivery would not make it better. Any answer other than 200 makes Alibaba redeliver after 1, 5 and 10 minutes.
         */
        post: operations["pushReceipts"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/openapi.json": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** This OpenAPI document */
        get: operations["getOpenApiDocument"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/docs": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The API explorer (Swagger UI over this document)
         * @description An HTML page to read this document and try every operation against the API that served it. Its scripts and styles come from docs/assets/ on the same origin, under a Content-Security-Policy that allows nothing else.
         */
        get: operations["getApiExplorer"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/docs/assets/{file}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * One of the API explorer's scripts or styles
         * @description Named by the page, with a content hash in the name: cached for a year. Sent gzip-compressed when accepted.
         */
        get: operations["getApiExplorerAsset"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
}
export type webhooks = Record<string, never>;
export interface components {
    schemas: {
        /** @description A call of one of five types, chosen by `type`; that type's fields only (unknown fields are rejected). */
        PlaceCallRequest: components["schemas"]["TtsCallRequest"] | components["schemas"]["VoiceCallRequest"] | components["schemas"]["IvrCallRequest"] | components["schemas"]["ClickToDialCallRequest"] | components["schemas"]["SmartCallRequest"];
        TtsCallRequest: {
            /**
             * @description discriminator enum property added by openapi-typescript
             * @enum {string}
             */
            type: "tts";
            /** @description Number to call. */
            calledNumber: string;
            /** @description Caller ID shown; required by dedicated-mode templates, omitted for the public pool. */
            calledShowNumber?: string;
            /** @description Approved TTS template id. */
            ttsCode: string;
            /** @description Template variables, for example {"code":"1234"}. Verification-code templates accept letters and digits only. Values are strings, numbers or booleans without URLs; the object's JSON text is at most 249 characters. */
            ttsParam?: {
                [key: string]: string | number | boolean;
            };
            /** @description How many times the message is played, 1-3 (Alibaba plays SingleCallByTts 3 times by default). */
            playTimes?: number;
            /** @description Playback volume 0-100 (default 100). */
            volume?: number;
            /** @description Playback speed -500 to 500. */
            speed?: number;
            /** @description Your correlation id, echoed in receipts as out_id. Generated when omitted. */
            outId?: string;
        };
        VoiceCallRequest: {
            /**
             * @description discriminator enum property added by openapi-typescript
             * @enum {string}
             */
            type: "voice";
            /** @description Number to call. */
            calledNumber: string;
            /** @description Caller ID shown; required in dedicated mode. */
            calledShowNumber?: string;
            /** @description Id of an approved, uploaded voice file, for example 2d4c-4e78-8d2a-afbb06cf1234.wav. */
            voiceCode: string;
            /** @description How many times the message is played, 1-3 (Alibaba plays SingleCallByTts 3 times by default). */
            playTimes?: number;
            /** @description Playback volume 0-100 (default 100). */
            volume?: number;
            /** @description Playback speed -500 to 500. */
            speed?: number;
            /** @description Your correlation id, echoed in receipts as out_id. Generated when omitted. */
            outId?: string;
        };
        IvrCallRequest: {
            /**
             * @description discriminator enum property added by openapi-typescript
             * @enum {string}
             */
            type: "ivr";
            /** @description Mainland-China number to call. */
            calledNumber: string;
            /** @description A purchased number shown as caller ID. */
            calledShowNumber: string;
            /** @description Opening prompt: voice file id or TTS template id. */
            startCode: string;
            /** @description Variables of the opening TTS template. Values are strings, numbers or booleans without URLs; the object's JSON text is at most 249 characters. */
            startTtsParams?: {
                [key: string]: string | number | boolean;
            };
            /** @description Key-press menu: what to play for each key (1-12 entries, each key at most once). */
            menuKeyMap?: {
                /** @description The key the callee presses. */
                key: string;
                /** @description Voice file id or TTS template id played when the key is pressed. */
                code: string;
                /** @description Variables of that TTS template. Values are strings, numbers or booleans without URLs; the object's JSON text is at most 249 characters. */
                ttsParams?: {
                    [key: string]: string | number | boolean;
                };
            }[];
            /** @description Closing prompt; same kind (voice id or TTS template) as startCode. */
            byeCode?: string;
            /** @description Variables of the closing TTS template. Values are strings, numbers or booleans without URLs; the object's JSON text is at most 249 characters. */
            byeTtsParams?: {
                [key: string]: string | number | boolean;
            };
            /** @description How many times the message is played, 1-3 (Alibaba plays SingleCallByTts 3 times by default). */
            playTimes?: number;
            /** @description How long to wait for a key press, in milliseconds (example 3000). */
            timeout?: number;
            /** @description Your correlation id, echoed in receipts as out_id. Generated when omitted. */
            outId?: string;
        };
        ClickToDialCallRequest: {
            /**
             * @description discriminator enum property added by openapi-typescript
             * @enum {string}
             */
            type: "clickToDial";
            /** @description Purchased number shown to the caller (A leg). */
            callerShowNumber: string;
            /** @description Caller (A leg), called first; mainland numbers only. */
            callerNumber: string;
            /** @description Purchased number shown to the called party (B leg). */
            calledShowNumber: string;
            /** @description Called party (B leg); mainland numbers only. */
            calledNumber: string;
            /** @description Record the call. */
            recordFlag?: boolean;
            /** @description Enable real-time speech recognition. */
            asrFlag?: boolean;
            /** @description ASR model id from the console. */
            asrModelId?: string;
            /** @description Maximum call length in seconds (at most 3600); the call is hung up afterwards. */
            sessionTimeout?: number;
            /** @description Your correlation id, echoed in receipts as out_id. Generated when omitted. */
            outId?: string;
        };
        SmartCallRequest: {
            /**
             * @description discriminator enum property added by openapi-typescript
             * @enum {string}
             */
            type: "smart";
            /** @description Mainland number to call. */
            calledNumber: string;
            /** @description A purchased number shown as caller ID. */
            calledShowNumber: string;
            /** @description Comma-separated playlist: audio URLs, uploaded recording ids and $variables$, for example 2d4c.wav,$name$. */
            voiceCode: string;
            /** @description Values of the $variables$ in voiceCode, for example {"name":"Li"}. Values are strings, numbers or booleans without URLs; the object's JSON text is at most 249 characters. Values must not contain any of @ = : " $ { } ^ * ￥. */
            voiceCodeParam?: {
                [key: string]: string | number | boolean;
            };
            /** @description Recording playback volume -4 to 4 (1 recommended). */
            volume?: number;
            /** @description Documented by Alibaba as not available; passed through. */
            speed?: number;
            /** @description Record the conversation. */
            recordFlag?: boolean;
            /** @description ASR model id; give this or asrBaseId. */
            asrModelId?: string;
            /**
             * @description ASR base model (default customer_service_8k).
             * @enum {string}
             */
            asrBaseId?: "customer_service_8k" | "dialect_customer_service_8k";
            /** @description Silence in ms that ends the callee's turn (1000-20000). */
            muteTime?: number;
            /** @description Pause in ms that ends a sentence (300-1200). */
            pauseTime?: number;
            /** @description Maximum call length in seconds (at most 3600); the call is hung up afterwards. */
            sessionTimeout?: number;
            /** @description Whether the callee may interrupt the prompt (default true). */
            actionCodeBreak?: boolean;
            /** @description Continuous speech in ms that interrupts playback; needs actionCodeBreak; 0 disables. */
            actionCodeTimeBreak?: number;
            /** @description Extension id echoed to your callback URL. */
            dynamicId?: string;
            /** @description Early-media recognition of why an unanswered call failed (billed). */
            earlyMediaAsr?: boolean;
            /** @description Inverse text normalisation (Chinese numerals to digits). */
            enableITN?: boolean;
            /** @description Streaming ASR: 0 or 1. */
            streamAsr?: number;
            /** @description Apply ttsStyle, ttsVolume and ttsSpeed. */
            ttsConf?: boolean;
            /** @description TTS voice, for example xiaoyun. */
            ttsStyle?: string;
            /** @description TTS volume 0-100 (default 0). */
            ttsVolume?: number;
            /** @description TTS speed -200 to 200 (default 0). */
            ttsSpeed?: number;
            /** @description Background audio file id. */
            backgroundFileCode?: string;
            /** @description Documented by Alibaba as not available; passed through. */
            backgroundSpeed?: number;
            /** @description Documented by Alibaba as not available; passed through. */
            backgroundVolume?: number;
            /** @description Noise threshold 0-1 (undocumented by Alibaba). */
            noiseThreshold?: number;
            /** @description Your correlation id, echoed in receipts as out_id. Generated when omitted. */
            outId?: string;
        };
        PlacedCall: {
            /** @description Alibaba CallId, for example 116012354148^102813781234. */
            callId: string;
            /**
             * @description The call type given when it was placed.
             * @enum {string}
             */
            type: "tts" | "voice" | "ivr" | "clickToDial" | "smart";
            /** @description Your outId, or the one generated (15 characters). */
            outId: string;
            /** @description Alibaba's RequestId of the placing request. */
            requestId: string;
            /**
             * @description Alibaba accepted the call; the outcome arrives with the receipts.
             * @constant
             */
            status: "placed";
            /** @description When the call was placed. ISO-8601 UTC. */
            createdAt: string;
        };
        CancelResult: {
            /** @description The CallId, decoded. */
            callId: string;
            /** @description false when Alibaba could not cancel: the call ended already, is not a click-to-dial call, or is unknown. */
            cancelled: boolean;
            /** @description Alibaba's RequestId of the CancelCall request. */
            requestId: string;
        };
        Call: {
            /** @description Alibaba CallId. */
            callId: string;
            /** @description The call type; null for a call this service did not place. */
            type: ("tts" | "voice" | "ivr" | "clickToDial" | "smart") | null;
            /** @description The outId; null when unknown. */
            outId: string | null;
            /** @description Alibaba's product id of the call type (none for click-to-dial). */
            prodId?: string;
            /** @description Alibaba's RequestId of the placing request; null or absent for calls placed elsewhere. */
            requestId?: string | null;
            /** @description Normalised status; only ever moves forward, driven by receipts. null until a receipt implies one. */
            status: ("placed" | "ringing" | "in-progress" | "completed" | "busy" | "no-answer" | "failed" | "cancelled") | null;
            createdAt: string | null;
            updatedAt: string | null;
            /** @description A page of at most 100 stored receipts, oldest first within the page; nextReceiptsAfter names the next. */
            receipts: ({
                /** @description VoiceCallReport, VoiceReport, VoiceRecordReport, ... */
                messageType: string;
                /** @description When Alibaba enqueued the receipt. ISO-8601 UTC. */
                receivedAt: string;
                /**
                 * @description The normalised status this receipt implies, if any.
                 * @enum {string}
                 */
                status?: "placed" | "ringing" | "in-progress" | "completed" | "busy" | "no-answer" | "failed" | "cancelled";
                /** @description Alibaba's status_code. */
                statusCode?: string;
                /** @description Call length in seconds, on final reports. */
                duration?: number;
                /** @description Alibaba's decoded receipt body. */
                raw?: {
                    [key: string]: unknown;
                };
            } & {
                [key: string]: unknown;
            })[];
            /** @description When the call may have more receipts: pass it as receiptsAfter to read the next page. */
            nextReceiptsAfter?: string;
            /** @description With live=true: Alibaba's call detail, or null when Alibaba has none. */
            detail?: ({
                caller?: string;
                callerShowNumber?: string;
                callee?: string;
                calleeShowNumber?: string;
                state?: string;
                stateDesc?: string;
                duration?: number;
                startDate?: string;
                endDate?: string;
                gmtCreate?: string;
            } & {
                [key: string]: unknown;
            }) | null;
            /** @description The call request this call is an attempt of (docs/call-requests.md), if any. */
            callRequestId?: string;
            /** @description Which attempt of that call request this call is (1-based). */
            attempt?: number;
        };
        CreateCallRequest: {
            /** @description The call each attempt places: a POST /calls body. */
            call: components["schemas"]["PlaceCallRequest"];
            /** @description No attempt is placed before this time (default: now). */
            notBefore?: string;
            /** @description No attempt is placed after this time; the request then ends "expired" (default and at most 30 days after notBefore). */
            notAfter?: string;
            window?: {
                /** @description Start of the window, local time (inclusive). */
                from: string;
                /** @description End of the window, local time (exclusive); earlier than from means the window runs past midnight. */
                to: string;
                /** @description IANA time zone of from/to (default Asia/Shanghai). */
                timeZone?: string;
                /** @description Days of the week the window opens on (the day it opens, for a window past midnight); every day when omitted. */
                days?: ("mon" | "tue" | "wed" | "thu" | "fri" | "sat" | "sun")[];
            };
            redial?: {
                /** @description With until "answered": the outcomes of an attempt that are dialled again (no-answer, busy, failed). */
                on?: ("no-answer" | "busy" | "failed")[];
                /** @description Attempts in all, the first included (1-5). */
                maxAttempts: number;
                /** @description Seconds from an attempt's outcome to the next attempt, at least (60-86400). */
                intervalSeconds: number;
            };
            /**
             * @description "answered" (default): an attempt whose call completes succeeds. "acknowledged": only a key of acknowledgeKeys pressed during the call succeeds (IVR calls).
             * @enum {string}
             */
            until?: "answered" | "acknowledged";
            /** @description With until "acknowledged": the keys of the IVR menu that acknowledge the call. */
            acknowledgeKeys?: string[];
        };
        CallRequest: {
            /** @description The call request id: cr_ and 22 characters. */
            requestId: string;
            /**
             * @description scheduled (the next attempt is due at nextAttemptAt), waiting (the number's flow-control window is full; retried at nextAttemptAt), in-progress (an attempt is ringing), or final: succeeded, exhausted (every attempt made), expired (notAfter passed), cancelled, refused (Alibaba refused the call's content).
             * @enum {string}
             */
            status: "scheduled" | "waiting" | "in-progress" | "succeeded" | "exhausted" | "expired" | "cancelled" | "refused";
            /** @description The call each attempt places (the POST /calls body given). */
            call: components["schemas"]["PlaceCallRequest"];
            /** @description No attempt before this time. ISO-8601 UTC. */
            notBefore: string;
            /** @description No attempt after this time. ISO-8601 UTC. */
            notAfter: string;
            /** @description The daily window attempts are placed in; null for any time. */
            window: {
                from: string;
                to: string;
                timeZone: string;
                days?: ("mon" | "tue" | "wed" | "thu" | "fri" | "sat" | "sun")[];
            } | null;
            /** @description The redial policy, defaults filled in. */
            redial: {
                on: ("no-answer" | "busy" | "failed")[];
                maxAttempts: number;
                intervalSeconds: number;
            };
            /** @enum {string} */
            until: "answered" | "acknowledged";
            /** @description With until "acknowledged": the keys that acknowledge; null otherwise. */
            acknowledgeKeys: string[] | null;
            /** @description Every attempt placed (or tried), oldest first. */
            attempts: {
                /** @description 1-based. */
                attempt: number;
                /** @description Alibaba's CallId, once placed (read the call with GET /calls/{callId}). */
                callId?: string;
                /** @description When it was placed. ISO-8601 UTC. */
                placedAt?: string;
                /**
                 * @description The attempt's call status; `unknown` when Alibaba's answer to the placing request never came (the call may or may not have rung).
                 * @enum {string}
                 */
                status: "placed" | "ringing" | "in-progress" | "completed" | "busy" | "no-answer" | "failed" | "cancelled" | "unknown";
                /** @description The keys the callee pressed during the call, as Alibaba reported them. */
                dtmf?: string;
            }[];
            nextAttemptAt: string | null;
            /** @description When the request was created. ISO-8601 UTC. */
            createdAt: string;
            /** @description Its last change. ISO-8601 UTC. */
            updatedAt: string;
            /** @description Why it ended, or why its last attempt was not placed. */
            reason?: string;
        };
        CallRequestCancelResult: {
            /** @description The call request id. */
            requestId: string;
            /** @description false when the request had already ended (its status says how). */
            cancelled: boolean;
            /**
             * @description Its status after the request: cancelled, or the final status it had already reached.
             * @enum {string}
             */
            status: "scheduled" | "waiting" | "in-progress" | "succeeded" | "exhausted" | "expired" | "cancelled" | "refused";
        };
        Problem: {
            /** @description urn:aliyun-voice:problem:<code>. */
            type: string;
            /** @description Short summary of the problem kind. */
            title: string;
            /** @description The HTTP status, repeated. */
            status: number;
            /** @description What went wrong; 5xx bodies carry no internal detail. */
            detail: string;
            /** @description Stable error code: VALIDATION_FAILED (400, 413, 415), NOT_FOUND (404), IDEMPOTENCY_CONFLICT (409, 422), FLOW_CONTROL (429), UNAUTHORIZED (401), INTERNAL_ERROR (500), STORE_UNAVAILABLE (503), CREDENTIALS_UNAVAILABLE (503), ALIBABA_TIMEOUT (504), ALIBABA_UNREACHABLE (502), or Alibaba's own code passed through (for example isv.MOBILE_NUMBER_ILLEGAL, isv.BUSINESS_LIMIT_CONTROL, Throttling.User, isv.AMOUNT_NOT_ENOUGH, RequestOutcomeUnknown, HTTP_<status>). Not an enum: Alibaba codes pass through. */
            code: string;
            /** @description API Gateway request id, for support. */
            requestId?: string;
            /** @description With VALIDATION_FAILED: each invalid field. */
            errors?: {
                /** @description Dotted path of the field: menuKeyMap.1.key, path.callId, query.prodId, header.content-type, body. */
                path: string;
                /** @description What is wrong with it. */
                message: string;
            }[];
            /** @description With FLOW_CONTROL: when the number can be called again (ISO 8601, UTC, a whole second); Retry-After gives the same in seconds. */
            retryAt?: string;
            /** @description With FLOW_CONTROL: the window that refused, <count>/<seconds> (for example 1/60). */
            limit?: string;
        };
    };
    responses: {
        /** @description Invalid request: malformed JSON, unknown or missing fields, out-of-range values, bad path or query parameters (VALIDATION_FAILED). */
        BadRequest: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/problem+json": components["schemas"]["Problem"];
            };
        };
        /** @description Unknown call (NOT_FOUND). */
        NotFound: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/problem+json": components["schemas"]["Problem"];
            };
        };
        /** @description Unknown call request (NOT_FOUND); requests are kept until 30 days after their notAfter. */
        UnknownRequest: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/problem+json": components["schemas"]["Problem"];
            };
        };
        /** @description The Idempotency-Key was already used with a different request body (IDEMPOTENCY_CONFLICT). */
        KeyReused: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/problem+json": components["schemas"]["Problem"];
            };
        };
        /** @description No such file (NOT_FOUND). */
        UnknownFile: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/problem+json": components["schemas"]["Problem"];
            };
        };
        /** @description A request with the same Idempotency-Key is still being processed (IDEMPOTENCY_CONFLICT); Retry-After says when to try again, and the retry gets the first request's response. */
        InProgress: {
            headers: {
                "Retry-After": components["headers"]["RetryAfter"];
                [name: string]: unknown;
            };
            content: {
                "application/problem+json": components["schemas"]["Problem"];
            };
        };
        /** @description Body over 16 KiB (VALIDATION_FAILED). */
        PayloadTooLarge: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/problem+json": components["schemas"]["Problem"];
            };
        };
        /** @description Body not sent as application/json (VALIDATION_FAILED). */
        UnsupportedMediaType: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/problem+json": components["schemas"]["Problem"];
            };
        };
        /** @description Alibaba rejected the content (numbers, templates, parameters); code is Alibaba's, e.g. isv.MOBILE_NUMBER_ILLEGAL. */
        Rejected: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/problem+json": components["schemas"]["Problem"];
            };
        };
        /** @description Alibaba rejected the content (numbers, templates, parameters; code is Alibaba's, e.g. isv.MOBILE_NUMBER_ILLEGAL), or the Idempotency-Key was already used with a different request body (IDEMPOTENCY_CONFLICT). */
        RejectedOrKeyReused: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/problem+json": components["schemas"]["Problem"];
            };
        };
        /** @description The number's flow-control window is full (FLOW_CONTROL: nothing was sent to Alibaba; `retryAt` and `limit` say when it can be called again and which window refused, by default 1/60, 5/3600, 20/86400), or Alibaba's own flow control or throttling (isv.BUSINESS_LIMIT_CONTROL, Throttling.User, ...); Retry-After says when to try again. */
        TooManyRequests: {
            headers: {
                "Retry-After": components["headers"]["RetryAfter"];
                [name: string]: unknown;
            };
            content: {
                "application/problem+json": components["schemas"]["Problem"];
            };
        };
        /** @description Missing or wrong push token (UNAUTHORIZED); nothing was read or stored. */
        Unauthorized: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/problem+json": components["schemas"]["Problem"];
            };
        };
        /** @description A fault of this service (INTERNAL_ERROR); no internal detail. */
        InternalError: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/problem+json": components["schemas"]["Problem"];
            };
        };
        /** @description The calls table (STORE_UNAVAILABLE) or this service's credentials store (CREDENTIALS_UNAVAILABLE) is unavailable; nothing was stored or sent, try again. */
        ServiceUnavailable: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/problem+json": components["schemas"]["Problem"];
            };
        };
        /** @description Alibaba refused this service's account or credentials, or is unavailable after retries (Alibaba's code, ALIBABA_UNREACHABLE or HTTP_<status>). */
        BadGateway: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/problem+json": components["schemas"]["Problem"];
            };
        };
        /** @description Alibaba did not answer in time (ALIBABA_TIMEOUT, RequestOutcomeUnknown, DeadlineExceeded); a call may have been placed: check before retrying. */
        GatewayTimeout: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/problem+json": components["schemas"]["Problem"];
            };
        };
    };
    parameters: {
        /** @description Alibaba CallId, for example 116012354148^102813781234 (^ may be percent-encoded as %5E). */
        CallId: string;
        /**
         * @description The call request id returned by POST /call-requests, for example cr_3mF0Qb0d1yL2vJk8a9XkQw.
         * @example cr_3mF0Qb0d1yL2vJk8a9XkQw
         */
        RequestId: string;
        /**
         * @description Makes retrying safe: 1 to 64 printable ASCII characters chosen by the client, one per intended request. The same key and body (compared after validation) return the same request, however often sent and for as long as the request is kept; the same key with a different body is refused with 422 IDEMPOTENCY_CONFLICT. These keys are separate from those of POST /calls.
         * @example delivery-8841-reminder
         */
        CallRequestIdempotencyKey: string;
        /**
         * @description Makes retrying safe. 1 to 64 printable ASCII characters chosen by the client, one per intended call. A retry with the same key and the same body (compared after validation: whitespace and field order do not matter) gets the first response again — the same status, body and Location — and places no second call, also when the first answer was 504 RequestOutcomeUnknown. The same key with a different body is refused with 422 IDEMPOTENCY_CONFLICT; while the first request is still being processed, 409 IDEMPOTENCY_CONFLICT with Retry-After. A failure that proves no call was placed (400, 422 from Alibaba, 429, 502, and 504 ALIBABA_TIMEOUT or DeadlineExceeded) is not remembered: a retry with the key is sent again. Keys belong to their caller (the IAM identity that signed the request, or the JWT subject at its issuer): the same key from another caller places its own call. Keys are remembered for IDEMPOTENCY_TTL_SECONDS (default 24 hours) and shared with the `idempotencyKey` of SQS messages sent by the same IAM identity.
         * @example order-001-attempt
         */
        IdempotencyKey: string;
    };
    requestBodies: never;
    headers: {
        /**
         * @description Where to read the request: /call-requests/{requestId}.
         * @example /call-requests/cr_3mF0Qb0d1yL2vJk8a9XkQw
         */
        CallRequestLocation: string;
        /**
         * @description Where to read the call: /calls/{url-encoded callId}.
         * @example /calls/116012354148%5E102813781234
         */
        Location: string;
        /** @description Seconds to wait before trying again. */
        RetryAfter: string;
    };
    pathItems: never;
}
export type $defs = Record<string, never>;
export interface operations {
    placeCall: {
        parameters: {
            query?: never;
            header?: {
                /**
                 * @description Makes retrying safe. 1 to 64 printable ASCII characters chosen by the client, one per intended call. A retry with the same key and the same body (compared after validation: whitespace and field order do not matter) gets the first response again — the same status, body and Location — and places no second call, also when the first answer was 504 RequestOutcomeUnknown. The same key with a different body is refused with 422 IDEMPOTENCY_CONFLICT; while the first request is still being processed, 409 IDEMPOTENCY_CONFLICT with Retry-After. A failure that proves no call was placed (400, 422 from Alibaba, 429, 502, and 504 ALIBABA_TIMEOUT or DeadlineExceeded) is not remembered: a retry with the key is sent again. Keys belong to their caller (the IAM identity that signed the request, or the JWT subject at its issuer): the same key from another caller places its own call. Keys are remembered for IDEMPOTENCY_TTL_SECONDS (default 24 hours) and shared with the `idempotencyKey` of SQS messages sent by the same IAM identity.
                 * @example order-001-attempt
                 */
                "Idempotency-Key"?: components["parameters"]["IdempotencyKey"];
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["PlaceCallRequest"];
            };
        };
        responses: {
            /** @description Alibaba accepted the call. */
            202: {
                headers: {
                    Location: components["headers"]["Location"];
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "callId": "116012354148^102813781234",
                     *       "type": "tts",
                     *       "outId": "order-001",
                     *       "requestId": "086FF43A-2E5C-5E7B-9E7D-2F1C7A9E1B20",
                     *       "status": "placed",
                     *       "createdAt": "2026-11-24T15:41:00.390Z"
                     *     }
                     */
                    "application/json": components["schemas"]["PlacedCall"];
                };
            };
            400: components["responses"]["BadRequest"];
            409: components["responses"]["InProgress"];
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            422: components["responses"]["RejectedOrKeyReused"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["InternalError"];
            502: components["responses"]["BadGateway"];
            503: components["responses"]["ServiceUnavailable"];
            504: components["responses"]["GatewayTimeout"];
        };
    };
    cancelCall: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Alibaba CallId, for example 116012354148^102813781234 (^ may be percent-encoded as %5E). */
                callId: components["parameters"]["CallId"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Alibaba answered; `cancelled` says whether the call was cancelled. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "callId": "116012354148^102813781234",
                     *       "cancelled": true,
                     *       "requestId": "7F1B0A5C-3D2E-5B4A-8C6D-9E0F1A2B3C4D"
                     *     }
                     */
                    "application/json": components["schemas"]["CancelResult"];
                };
            };
            400: components["responses"]["BadRequest"];
            422: components["responses"]["Rejected"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["InternalError"];
            502: components["responses"]["BadGateway"];
            503: components["responses"]["ServiceUnavailable"];
            504: components["responses"]["GatewayTimeout"];
        };
    };
    getCall: {
        parameters: {
            query?: {
                /** @description true: also ask Alibaba (QueryCallDetailByCallId) and add "detail". */
                live?: "true" | "false";
                /** @description ProdId of QueryCallDetailByCallId, for calls placed elsewhere (for example 11010000138001 for SingleCallByTts). */
                prodId?: string;
                /** @description Epoch ms starting the day to search, for calls placed elsewhere. */
                queryDate?: string;
                /** @description The next page of receipts: the nextReceiptsAfter of the previous answer. */
                receiptsAfter?: string;
            };
            header?: never;
            path: {
                /** @description Alibaba CallId, for example 116012354148^102813781234 (^ may be percent-encoded as %5E). */
                callId: components["parameters"]["CallId"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The call as this service knows it (with live=true, plus `detail`). */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "callId": "116012354148^102813781234",
                     *       "type": "tts",
                     *       "outId": "order-001",
                     *       "prodId": "11010000138001",
                     *       "requestId": "086FF43A-2E5C-5E7B-9E7D-2F1C7A9E1B20",
                     *       "status": "placed",
                     *       "createdAt": "2026-11-24T15:41:00.390Z",
                     *       "updatedAt": "2026-11-24T15:41:00.390Z",
                     *       "receipts": []
                     *     }
                     */
                    "application/json": components["schemas"]["Call"];
                };
            };
            400: components["responses"]["BadRequest"];
            404: components["responses"]["NotFound"];
            422: components["responses"]["Rejected"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["InternalError"];
            502: components["responses"]["BadGateway"];
            503: components["responses"]["ServiceUnavailable"];
            504: components["responses"]["GatewayTimeout"];
        };
    };
    createCallRequest: {
        parameters: {
            query?: never;
            header?: {
                /**
                 * @description Makes retrying safe: 1 to 64 printable ASCII characters chosen by the client, one per intended request. The same key and body (compared after validation) return the same request, however often sent and for as long as the request is kept; the same key with a different body is refused with 422 IDEMPOTENCY_CONFLICT. These keys are separate from those of POST /calls.
                 * @example delivery-8841-reminder
                 */
                "Idempotency-Key"?: components["parameters"]["CallRequestIdempotencyKey"];
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["CreateCallRequest"];
            };
        };
        responses: {
            /** @description Accepted: the request as it now is (scheduled, in-progress, waiting, or already refused by Alibaba). */
            202: {
                headers: {
                    Location: components["headers"]["CallRequestLocation"];
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "requestId": "cr_3mF0Qb0d1yL2vJk8a9XkQw",
                     *       "status": "scheduled",
                     *       "call": {
                     *         "type": "voice",
                     *         "calledNumber": "13800138001",
                     *         "voiceCode": "2d4c-4e78-8d2a-afbb06cf1234.wav"
                     *       },
                     *       "notBefore": "2026-12-06T13:00:00.000Z",
                     *       "notAfter": "2027-01-05T13:00:00.000Z",
                     *       "window": {
                     *         "from": "09:00",
                     *         "to": "20:00",
                     *         "timeZone": "Asia/Shanghai"
                     *       },
                     *       "redial": {
                     *         "on": [
                     *           "no-answer",
                     *           "busy"
                     *         ],
                     *         "maxAttempts": 3,
                     *         "intervalSeconds": 600
                     *       },
                     *       "until": "answered",
                     *       "acknowledgeKeys": null,
                     *       "attempts": [],
                     *       "nextAttemptAt": "2026-12-07T01:00:00.000Z",
                     *       "createdAt": "2026-12-06T13:00:00.000Z",
                     *       "updatedAt": "2026-12-06T13:00:00.000Z"
                     *     }
                     */
                    "application/json": components["schemas"]["CallRequest"];
                };
            };
            400: components["responses"]["BadRequest"];
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            422: components["responses"]["KeyReused"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    getCallRequest: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /**
                 * @description The call request id returned by POST /call-requests, for example cr_3mF0Qb0d1yL2vJk8a9XkQw.
                 * @example cr_3mF0Qb0d1yL2vJk8a9XkQw
                 */
                requestId: components["parameters"]["RequestId"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The request as it now is. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "requestId": "cr_3mF0Qb0d1yL2vJk8a9XkQw",
                     *       "status": "scheduled",
                     *       "call": {
                     *         "type": "voice",
                     *         "calledNumber": "13800138001",
                     *         "voiceCode": "2d4c-4e78-8d2a-afbb06cf1234.wav"
                     *       },
                     *       "notBefore": "2026-12-06T13:00:00.000Z",
                     *       "notAfter": "2027-01-05T13:00:00.000Z",
                     *       "window": {
                     *         "from": "09:00",
                     *         "to": "20:00",
                     *         "timeZone": "Asia/Shanghai"
                     *       },
                     *       "redial": {
                     *         "on": [
                     *           "no-answer",
                     *           "busy"
                     *         ],
                     *         "maxAttempts": 3,
                     *         "intervalSeconds": 600
                     *       },
                     *       "until": "answered",
                     *       "acknowledgeKeys": null,
                     *       "attempts": [],
                     *       "nextAttemptAt": "2026-12-07T01:00:00.000Z",
                     *       "createdAt": "2026-12-06T13:00:00.000Z",
                     *       "updatedAt": "2026-12-06T13:00:00.000Z"
                     *     }
                     */
                    "application/json": components["schemas"]["CallRequest"];
                };
            };
            400: components["responses"]["BadRequest"];
            404: components["responses"]["UnknownRequest"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    cancelCallRequest: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /**
                 * @description The call request id returned by POST /call-requests, for example cr_3mF0Qb0d1yL2vJk8a9XkQw.
                 * @example cr_3mF0Qb0d1yL2vJk8a9XkQw
                 */
                requestId: components["parameters"]["RequestId"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Whether this request cancelled it, and its status now. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "requestId": "cr_3mF0Qb0d1yL2vJk8a9XkQw",
                     *       "cancelled": true,
                     *       "status": "cancelled"
                     *     }
                     */
                    "application/json": components["schemas"]["CallRequestCancelResult"];
                };
            };
            400: components["responses"]["BadRequest"];
            404: components["responses"]["UnknownRequest"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    pushReceipts: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description The receipt type this URL is configured for in the console (one of RECEIPT_QUEUES' types). */
                messageType: "VoiceReport" | "VoiceCallReport" | "VoiceRecordReport";
            };
            cookie?: never;
        };
        /** @description Alibaba's JSON array of receipts (a single object is accepted too); at most 1048576 bytes. Any content type. */
        requestBody: {
            content: {
                /**
                 * @example [
                 *       {
                 *         "call_id": "116012354148^102813781234",
                 *         "out_id": "order-001",
                 *         "status_code": "200000",
                 *         "start_time": "2026-11-24 23:41:03",
                 *         "end_time": "2026-11-24 23:41:25",
                 *         "duration": 22
                 *       }
                 *     ]
                 */
                "application/json": Record<string, never>[] | Record<string, never>;
            };
        };
        responses: {
            /** @description Stored (or stored raw as invalid). `code` 0 is what Alibaba checks. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "code": 0,
                     *       "msg": "接收成功"
                     *     }
                     */
                    "application/json": {
                        /** @constant */
                        code: 0;
                        msg: string;
                    };
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    getOpenApiDocument: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The OpenAPI 3.1 document (openapi.json). */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": Record<string, never>;
                };
            };
        };
    };
    getApiExplorer: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The page. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "text/html": string;
                };
            };
        };
    };
    getApiExplorerAsset: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description A file name the page refers to, for example swagger-ui-bundle.0123456789ab.js. */
                file: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The script or stylesheet. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "text/javascript": string;
                    "text/css": string;
                };
            };
            404: components["responses"]["UnknownFile"];
        };
    };
}
