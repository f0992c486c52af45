import PasarelaAdapters
import PasarelaCore
import Yams

/// Reads the protocol part of a `kind: generic` adapter file into a ``GenericDescriptor``, checking every template
/// field, path and name so that a wrong file fails at start-up with its line and column.
struct GenericDescriptorParser {
    let reader: YAMLReader
    /// The credential names the file declares.
    let credentials: Set<String>

    static let endpointKeys: Set<String> = ["method", "path", "headers", "body", "response"]
    static let responseKeys: Set<String> = ["success", "duplicate", "psp_payment_id", "status", "voucher_code", "voucher_url", "barcode",
                                            "redirect_url", "expires_at", "error_code", "error_message", "amount", "amount_format",
                                            "currency", "reference"]
    static let lookupResponseKeys = responseKeys.union(["items"])

    /// Where a template is used, which decides the fields it may name.
    enum Use { case token, create, lookup, lookupByReference, cancel, refund, refundLookup }

    static let refundResponseKeys: Set<String> = ["success", "psp_refund_id", "status", "error_code", "error_message", "amount",
                                                  "amount_format", "currency"]

    func parse(_ nodes: [String: Node], root: Node) -> GenericDescriptor? {
        var token: GenericDescriptor.TokenExchange?
        if let node = nodes["token"] { token = parseToken(node) }
        guard let createNode = nodes["create"] else {
            reader.problem(at: root, "create is required for kind generic")
            return nil
        }
        var createNodes: [String: Node] = [:]
        for entry in reader.mapping(createNode, "create", allowed: Self.endpointKeys.union(["replay"])) { createNodes[entry.key] = entry.value }
        let create = parseEndpoint(nodes: createNodes.filter { $0.key != "replay" }, at: createNode, "create", use: .create,
                                   hasToken: nodes["token"] != nil, responseKeys: Self.responseKeys)
        let hasToken = nodes["token"] != nil
        let lookup = nodes["lookup"].flatMap {
            parseEndpoint($0, "lookup", use: .lookup, hasToken: hasToken, responseKeys: Self.lookupResponseKeys)
        }
        let byReference = nodes["lookup_by_reference"].flatMap {
            parseEndpoint($0, "lookup_by_reference", use: .lookupByReference, hasToken: hasToken, responseKeys: Self.lookupResponseKeys)
        }
        let cancel = nodes["cancel"].flatMap { parseCancel($0, hasToken: hasToken) }
        guard let webhookNode = nodes["webhook"] else {
            reader.problem(at: root, "webhook is required for kind generic (signature and fields)")
            return nil
        }
        let webhook = parseWebhook(webhookNode)
        guard let statusNode = nodes["status_map"] else {
            reader.problem(at: root, "status_map is required for kind generic")
            return nil
        }
        let statusMap = parseStatusMap(statusNode)
        guard let create, let webhook else { return nil }
        var descriptor = GenericDescriptor(token: token, create: create, lookup: lookup, lookupByReference: byReference, cancel: cancel,
                                           webhook: webhook, statusMap: statusMap)
        descriptor.replay = parseReplay(createNodes["replay"], duplicateDeclared: create.response.duplicate != nil,
                                        findsByReference: byReference != nil)
        descriptor.documentTypes = nodes["document_types"].map(parseDocumentTypes)
        descriptor.refund = nodes["refund"].flatMap {
            parseEndpoint($0, "refund", use: .refund, hasToken: hasToken, responseKeys: Self.refundResponseKeys)
        }
        descriptor.refundLookup = nodes["refund_lookup"].flatMap {
            parseEndpoint($0, "refund_lookup", use: .refundLookup, hasToken: hasToken, responseKeys: Self.refundResponseKeys)
        }
        if let node = nodes["refund_status_map"] { descriptor.refundStatusMap = parseRefundStatusMap(node) }
        descriptor.settlement = nodes["settlement"].flatMap { SettlementLayoutParser(reader: reader).parse($0) }
        if descriptor.refund != nil || descriptor.refundLookup != nil, nodes["refund_status_map"] == nil,
           descriptor.refund?.response.status != nil || descriptor.refundLookup?.response.status != nil {
            reader.problem(at: root, "refund_status_map is required when a refund answer names a status")
        }
        return descriptor
    }

    /// `create.replay`: what the PSP does with the same create sent again. A PSP that may make a second payment is only
    /// replayed where the file can find payments by reference (`lookup_by_reference`), to cancel the extra one.
    func parseReplay(_ node: Node?, duplicateDeclared: Bool, findsByReference: Bool) -> CreateReplay {
        guard let node else { return duplicateDeclared ? .refusedAsDuplicate : .never }
        let words = CreateReplay.allCases.map(\.rawValue)
        guard let text = reader.string(node, "create.replay") else { return .never }
        guard let replay = CreateReplay(rawValue: text) else {
            reader.problem(at: node, "create.replay must be one of \(words.joined(separator: ", "))")
            return .never
        }
        if replay == .mayCreateAnother, !findsByReference {
            reader.problem(at: node, "create.replay: may_create_another needs lookup_by_reference, to find and cancel a second payment")
        }
        return replay
    }

    /// `refund_status_map: { WORD: pending|succeeded|failed }`.
    func parseRefundStatusMap(_ node: Node) -> [String: RefundStatus] {
        var map: [String: RefundStatus] = [:]
        guard let mapping = node.mapping else {
            reader.problem(at: node, "refund_status_map must map the PSP's refund statuses to pending, succeeded or failed")
            return map
        }
        for (keyNode, valueNode) in mapping {
            guard let key = keyNode.scalar?.string, let value = reader.string(valueNode, "refund_status_map.\(keyNode.scalar?.string ?? "")") else { continue }
            guard let status = RefundStatus(rawValue: value) else {
                reader.problem(at: valueNode, "unknown refund status '\(value)'; use pending, succeeded or failed")
                continue
            }
            map[key] = status
        }
        return map
    }

    /// `document_types: { DNI: DNI, PAS: PAS }`: unified type → the PSP's word.
    func parseDocumentTypes(_ node: Node) -> [String: String] {
        let known = Set(Market.documents.values.flatMap(\.keys))
        var map: [String: String] = [:]
        guard let mapping = node.mapping else {
            reader.problem(at: node, "document_types must map unified document types to the PSP's words")
            return map
        }
        for (keyNode, valueNode) in mapping {
            guard let key = keyNode.scalar?.string, let value = reader.string(valueNode, "document_types.\(keyNode.scalar?.string ?? "")") else { continue }
            if !known.contains(key) {
                reader.problem(at: keyNode, "unknown document type '\(key)'; known: \(known.sorted().joined(separator: ", "))")
            }
            map[key] = value
        }
        return map
    }

    /// `cancel:` is an endpoint plus `applies_to`, the statuses the PSP can cancel (default `[requires_action]`).
    func parseCancel(_ node: Node, hasToken: Bool) -> GenericDescriptor.Cancel? {
        var appliesTo: Set<PaymentStatus> = [.requiresAction], endpointNodes: [String: Node] = [:]
        for entry in reader.mapping(node, "cancel", allowed: Self.endpointKeys.union(["applies_to"])) {
            guard entry.key == "applies_to" else {
                endpointNodes[entry.key] = entry.value
                continue
            }
            appliesTo = []
            for name in reader.stringList(entry.value, "cancel.applies_to") {
                guard let status = PaymentStatus(rawValue: name), !status.isTerminal, status != .processing else {
                    reader.problem(at: entry.value, "cancel.applies_to: '\(name)' is not requires_action or authorized")
                    continue
                }
                appliesTo.insert(status)
            }
        }
        guard let request = parseEndpoint(nodes: endpointNodes, at: node, "cancel", use: .cancel, hasToken: hasToken,
                                          responseKeys: ["success", "error_code", "error_message"]) else { return nil }
        return GenericDescriptor.Cancel(request: request, appliesTo: appliesTo)
    }

    func parseToken(_ node: Node) -> GenericDescriptor.TokenExchange? {
        var lifetime = 3600.0, refresh = 300.0, endpointNodes: [String: Node] = [:]
        for entry in reader.mapping(node, "token", allowed: Self.endpointKeys.union(["default_lifetime_seconds", "refresh_before_seconds"])) {
            switch entry.key {
            case "default_lifetime_seconds": lifetime = Double(reader.integer(entry.value, "token.default_lifetime_seconds", range: 1...86_400 * 30) ?? 3600)
            case "refresh_before_seconds": refresh = Double(reader.integer(entry.value, "token.refresh_before_seconds", range: 0...86_400) ?? 300)
            default: endpointNodes[entry.key] = entry.value
            }
        }
        guard let request = parseEndpoint(nodes: endpointNodes, at: node, "token", use: .token, hasToken: false,
                                          responseKeys: ["success", "token", "expires_at", "error_code", "error_message"]) else { return nil }
        if request.response.token == nil { reader.problem(at: node, "token.response.token (where the token is) is required") }
        return GenericDescriptor.TokenExchange(request: request, defaultLifetime: lifetime, refreshBefore: refresh)
    }

    func parseEndpoint(_ node: Node, _ what: String, use: Use, hasToken: Bool, responseKeys: Set<String>) -> GenericDescriptor.Endpoint? {
        var nodes: [String: Node] = [:]
        for entry in reader.mapping(node, what, allowed: Self.endpointKeys) { nodes[entry.key] = entry.value }
        return parseEndpoint(nodes: nodes, at: node, what, use: use, hasToken: hasToken, responseKeys: responseKeys)
    }

    func parseEndpoint(nodes: [String: Node], at node: Node, _ what: String, use: Use, hasToken: Bool,
                       responseKeys: Set<String>) -> GenericDescriptor.Endpoint? {
        var method = "POST"
        if let methodNode = nodes["method"], let text = reader.string(methodNode, "\(what).method") {
            if ["GET", "POST", "PUT", "PATCH", "DELETE"].contains(text) { method = text } else {
                reader.problem(at: methodNode, "\(what).method must be GET, POST, PUT, PATCH or DELETE")
            }
        }
        guard let pathNode = nodes["path"] else {
            reader.problem(at: node, "\(what).path is required")
            return nil
        }
        let path = text(pathNode, "\(what).path", use: use, hasToken: hasToken)
        if let first = pathNode.scalar?.string.first, first != "/" { reader.problem(at: pathNode, "\(what).path must start with /") }
        var headers: [(String, Text)] = []
        if let headerNode = nodes["headers"] {
            if let mapping = headerNode.mapping {
                for (key, value) in mapping {
                    guard let name = key.scalar?.string, !name.isEmpty else { continue }
                    if let parsed = text(value, "\(what).headers.\(name)", use: use, hasToken: hasToken) { headers.append((name, parsed)) }
                }
            } else {
                reader.problem(at: headerNode, "\(what).headers must be a mapping of header → text")
            }
        }
        let body = nodes["body"].flatMap { template($0, "\(what).body", use: use, hasToken: hasToken) }
        if method == "GET", body != nil, let bodyNode = nodes["body"] { reader.problem(at: bodyNode, "\(what): a GET has no body") }
        let response = nodes["response"].map { parseResponse($0, "\(what).response", allowed: responseKeys) } ?? .init()
        guard let path else { return nil }
        return GenericDescriptor.Endpoint(method: method, path: path, headers: headers, body: body, response: response)
    }

    func parseResponse(_ node: Node, _ what: String, allowed: Set<String>) -> GenericDescriptor.ResponseFields {
        var fields = GenericDescriptor.ResponseFields()
        var amount: JSONPath?, currency: JSONPath?, minor = false
        for entry in reader.mapping(node, what, allowed: allowed) {
            switch entry.key {
            case "amount": amount = jsonPath(entry.value, "\(what).amount"); continue
            case "currency": currency = jsonPath(entry.value, "\(what).currency"); continue
            case "amount_format": minor = amountFormat(entry.value, "\(what).amount_format"); continue
            default: break
            }
            if entry.key == "success" || entry.key == "duplicate" {
                var path: JSONPath?, equals: String?
                for part in reader.mapping(entry.value, "\(what).\(entry.key)", allowed: ["path", "equals"]) {
                    if part.key == "path" { path = jsonPath(part.value, "\(what).\(entry.key).path") } else { equals = reader.string(part.value, "\(what).\(entry.key).equals") }
                }
                guard let path, let equals else {
                    reader.problem(at: entry.value, "\(what).\(entry.key) needs path and equals")
                    continue
                }
                if entry.key == "success" { fields.success = .init(path: path, equals: equals) } else { fields.duplicate = .init(path: path, equals: equals) }
                continue
            }
            let path = jsonPath(entry.value, "\(what).\(entry.key)")
            switch entry.key {
            case "psp_payment_id": fields.pspPaymentId = path
            case "status": fields.status = path
            case "voucher_code": fields.voucherCode = path
            case "voucher_url": fields.voucherURL = path
            case "barcode": fields.barcode = path
            case "redirect_url": fields.redirectURL = path
            case "expires_at": fields.expiresAt = path
            case "error_code": fields.errorCode = path
            case "error_message": fields.errorMessage = path
            case "items": fields.items = path
            case "reference": fields.reference = path
            case "psp_refund_id": fields.pspRefundId = path
            default: fields.token = path
            }
        }
        if let amount {
            if currency == nil { reader.problem(at: node, "\(what).amount needs \(what).currency to be read") }
            fields.amount = GenericDescriptor.AmountFields(amount: amount, currency: currency, minorUnits: minor)
        }
        return fields
    }

    /// `decimal` (major units, the default) or `minor`.
    func amountFormat(_ node: Node, _ what: String) -> Bool {
        guard let text = reader.string(node, what) else { return false }
        if text == "minor" { return true }
        if text != "decimal" { reader.problem(at: node, "\(what) must be decimal or minor") }
        return false
    }

    func parseWebhook(_ node: Node) -> GenericDescriptor.Webhook? {
        var signature: ConfigurableHMAC?, key: String?, fields: [String: Node] = [:]
        for entry in reader.mapping(node, "webhook", allowed: ["signature", "fields", "allow_ips", "trusted_proxies", "client_ip_header",
                                                               "freshness_seconds"]) {
            switch entry.key {
            case "signature": (signature, key) = parseSignature(entry.value)
            case "fields":
                for field in reader.mapping(entry.value, "webhook.fields", allowed: ["event_type", "psp_payment_id", "reference", "amount",
                                                                                    "amount_format", "currency", "dedupe_key",
                                                                                    "voucher_code", "voucher_url", "expires_at", "signed_at"]) {
                    fields[field.key] = field.value
                }
            default: break   // allow_ips: read by the webhook ingestor
            }
        }
        func path(_ name: String, required: Bool) -> JSONPath? {
            guard let node = fields[name] else {
                if required { reader.problem(at: node, "webhook.fields.\(name) is required") }
                return nil
            }
            return jsonPath(node, "webhook.fields.\(name)")
        }
        let eventType = path("event_type", required: true), pspId = path("psp_payment_id", required: true)
        let minor = fields["amount_format"].map { amountFormat($0, "webhook.fields.amount_format") } ?? false
        var amount: GenericDescriptor.AmountFields?
        if let amountPath = path("amount", required: false) {
            let currency = path("currency", required: false)
            if currency == nil { reader.problem(at: node, "webhook.fields.amount needs webhook.fields.currency to be read") }
            amount = GenericDescriptor.AmountFields(amount: amountPath, currency: currency, minorUnits: minor)
        }
        var dedupe: [JSONPath] = []
        if let dedupeNode = fields["dedupe_key"] {
            dedupe = reader.stringList(dedupeNode, "webhook.fields.dedupe_key").compactMap { text in
                let parsed = JSONPath(text)
                if parsed == nil { reader.problem(at: dedupeNode, "'\(text)' is not a field path such as data.cip") }
                return parsed
            }
        } else {
            reader.problem(at: node, "webhook.fields.dedupe_key is required (the paths that identify one event)")
        }
        guard let signature, let key, let eventType, let pspId else {
            if signature == nil, !reader.problems.contains(where: { $0.message.contains("webhook.signature") }) {
                reader.problem(at: node, "webhook.signature is required: unsigned webhooks are not accepted")
            }
            return nil
        }
        var webhook = GenericDescriptor.Webhook(signature: signature, keyCredential: key, eventType: eventType, pspPaymentId: pspId,
                                                reference: path("reference", required: false), amount: amount, dedupeKey: dedupe,
                                                voucherCode: path("voucher_code", required: false),
                                                voucherURL: path("voucher_url", required: false), expiresAt: path("expires_at", required: false))
        webhook.signedAt = path("signed_at", required: false)
        return webhook
    }

    func parseSignature(_ node: Node) -> (ConfigurableHMAC?, String?) {
        var header: String?, encoding: ConfigurableHMAC.Encoding?, key: String?, prefix = "", parts: [ConfigurableHMAC.Part] = [.body]
        for entry in reader.mapping(node, "webhook.signature", allowed: ["header", "scheme", "key", "prefix", "parts"]) {
            switch entry.key {
            case "header": header = reader.string(entry.value, "webhook.signature.header")
            case "scheme":
                if let text = reader.string(entry.value, "webhook.signature.scheme") {
                    encoding = SigningSchemes.webhookSchemes[text]
                    if encoding == nil {
                        reader.problem(at: entry.value, "unknown signature scheme '\(text)'; known: \(SigningSchemes.webhookSchemes.keys.sorted().joined(separator: ", "))")
                    }
                }
            case "key":
                key = reader.string(entry.value, "webhook.signature.key")
                if let name = key, !credentials.contains(name) {
                    reader.problem(at: entry.value, "webhook.signature.key '\(name)' is not a credential of this file; declared: \(credentials.sorted().joined(separator: ", "))")
                    key = nil
                }
            case "prefix": prefix = entry.value.scalar?.string ?? ""
            default:
                parts = reader.stringList(entry.value, "webhook.signature.parts").map { text in
                    if text == "{body}" { return .body }
                    if text.hasPrefix("{header."), text.hasSuffix("}") { return .header(String(text.dropFirst(8).dropLast())) }
                    return .literal(text)
                }
            }
        }
        guard let header, let encoding, let key else {
            if header == nil || encoding == nil { reader.problem(at: node, "webhook.signature needs header, scheme and key") }
            return (nil, nil)
        }
        return (ConfigurableHMAC(header: header, encoding: encoding, prefix: prefix, parts: parts), key)
    }

    func parseStatusMap(_ node: Node) -> [String: PaymentStatus?] {
        var map: [String: PaymentStatus?] = [:]
        guard let mapping = node.mapping, !mapping.isEmpty else {
            reader.problem(at: node, "status_map must map PSP statuses and event types to unified statuses")
            return map
        }
        for (keyNode, valueNode) in mapping {
            guard let key = keyNode.scalar?.string, let value = reader.string(valueNode, "status_map.\(keyNode.scalar?.string ?? "")") else { continue }
            if value == "ignore" { map[key] = .some(nil); continue }
            guard let status = PaymentStatus(rawValue: value) else {
                reader.problem(at: valueNode, "unknown status '\(value)'; use \(PaymentStatus.allCases.map(\.rawValue).joined(separator: ", ")) or ignore")
                continue
            }
            map[key] = .some(status)
        }
        return map
    }

    func jsonPath(_ node: Node, _ what: String) -> JSONPath? {
        guard let text = reader.string(node, what) else { return nil }
        guard let path = JSONPath(text) else {
            reader.problem(at: node, "\(what) '\(text)' is not a field path such as data.cip")
            return nil
        }
        return path
    }

    /// Text with placeholders, checked against the fields allowed where it is used.
    func text(_ node: Node, _ what: String, use: Use, hasToken: Bool) -> Text? {
        guard let source = node.scalar?.string else {
            reader.problem(at: node, "\(what) must be text")
            return nil
        }
        switch Text.parse(source) {
        case .failure(let error):
            reader.problem(at: node, "\(what): \(error)")
            return nil
        case .success(let text):
            for field in text.fields { check(field, at: node, what, use: use, hasToken: hasToken) }
            return text
        }
    }

    func check(_ field: Field, at node: Node, _ what: String, use: Use, hasToken: Bool) {
        switch field {
        case .credential(let name) where !credentials.contains(name):
            reader.problem(at: node, "\(what): credentials.\(name) is not declared under credentials")
        case .token where !hasToken:
            reader.problem(at: node, "\(what): {token} needs a token: block")
        case .token where use == .token:
            reader.problem(at: node, "\(what): the token request cannot use {token}")
        case .pspPaymentId where [.token, .create, .lookupByReference].contains(use):
            reader.problem(at: node, "\(what): {psp_payment_id} exists only in lookup, cancel, refund and refund_lookup")
        case .attemptId where use == .lookupByReference || use == .cancel:
            break
        case .refundId, .refundAmount, .refundAmountMinor, .refundReason:
            if use != .refund && use != .refundLookup { reader.problem(at: node, "\(what): refund fields exist only in refund and refund_lookup") }
        case .pspRefundId:
            if use != .refundLookup { reader.problem(at: node, "\(what): {psp_refund_id} exists only in refund_lookup") }
        case .credential, .token, .pspPaymentId, .now, .webhookURL:
            break
        default:
            if use != .create {
                reader.problem(at: node, "\(what): payment fields exist only in create (lookup_by_reference and cancel may use {attempt.id})")
            }
        }
    }

    /// A body template: mappings, lists, text with placeholders, `{ $value, $type }` and `{ $sha256_hex: [...] }`.
    func template(_ node: Node, _ what: String, use: Use, hasToken: Bool) -> Template? {
        switch node {
        case .scalar(let scalar):
            if scalar.style == .plain {
                if scalar.string == "true" || scalar.string == "false" { return .literal(.bool(scalar.string == "true")) }
                if scalar.string == "null" || scalar.string == "~" { return .literal(.null) }
                if Int64(scalar.string) != nil || Double(scalar.string) != nil && scalar.string.contains(".") {
                    return .literal(.number(scalar.string))
                }
            }
            return text(node, what, use: use, hasToken: hasToken).map { .text($0, type: .string) }
        case .sequence(let items):
            return .array(items.enumerated().compactMap { template($1, "\(what)[\($0)]", use: use, hasToken: hasToken) })
        case .mapping(let mapping):
            let keys = mapping.keys.compactMap { $0.scalar?.string }
            if keys.contains("$value") || keys.contains("$type") {
                var source: Text?, type = Template.ValueType.string
                for entry in reader.mapping(node, what, allowed: ["$value", "$type"]) {
                    if entry.key == "$value" { source = text(entry.value, "\(what).$value", use: use, hasToken: hasToken) } else if let name = reader.string(entry.value, "\(what).$type") {
                        if let parsed = Template.ValueType(rawValue: name) { type = parsed } else {
                            reader.problem(at: entry.value, "unknown $type '\(name)'; use \(Template.ValueType.allCases.map(\.rawValue).joined(separator: ", "))")
                        }
                    }
                }
                return source.map { .text($0, type: type) }
            }
            if keys.contains("$sha256_hex") {
                let entries = reader.mapping(node, what, allowed: ["$sha256_hex"])
                guard let list = entries.first?.value else { return nil }
                let pieces = reader.stringList(list, "\(what).$sha256_hex").compactMap { piece -> Text? in
                    switch Text.parse(piece) {
                    case .success(let parsed):
                        for field in parsed.fields { check(field, at: list, what, use: use, hasToken: hasToken) }
                        return parsed
                    case .failure(let error):
                        reader.problem(at: list, "\(what): \(error)")
                        return nil
                    }
                }
                return .sha256Hex(Text(parts: pieces.flatMap(\.parts)))
            }
            var pairs: [(String, Template)] = []
            for (keyNode, valueNode) in mapping {
                guard let key = keyNode.scalar?.string else { continue }
                if key.hasPrefix("$") {
                    reader.problem(at: keyNode, "unknown template key '\(key)'; use $value with $type, or $sha256_hex")
                    continue
                }
                if let value = template(valueNode, "\(what).\(key)", use: use, hasToken: hasToken) { pairs.append((key, value)) }
            }
            return .object(pairs)
        default:
            reader.problem(at: node, "\(what): anchors and aliases are not supported in templates")
            return nil
        }
    }
}
