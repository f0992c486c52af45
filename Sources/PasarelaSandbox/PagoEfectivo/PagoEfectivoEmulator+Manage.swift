import Foundation

extension PagoEfectivoEmulator {
    /// `POST /v1/cips/search` with `{"data": [{"cip": 123}, {"transactionCode": "..."}]}`: every CIP matching any entry.
    func search(_ body: [UInt8], authorization: String?) -> (Int, [String: Any]) {
        if let refusal = refusal(authorization) { return refusal }
        guard let object = (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any],
              let filters = object["data"] as? [[String: Any]], !filters.isEmpty else {
            return Self.error(400, "data debe ser una lista de {cip} o {transactionCode}", field: "data")
        }
        let base = publicURL.withLock { $0 }
        let found: [[String: Any]] = state.withLock { state in
            state.cips.all().filter { cip in
                filters.contains { filter in
                    (filter["cip"] as? Int).map { $0 == cip.cip } ?? (filter["transactionCode"] as? String).map { $0 == cip.transactionCode } ?? false
                }
            }.map { $0.json(base: base) }
        }
        return (200, ["code": "100", "message": "Solicitud exitosa.", "data": found])
    }

    /// `DELETE /v1/cips/{cip}`: a pending CIP can no longer be paid.
    func delete(_ cip: Int, authorization: String?) -> (Int, [String: Any]) {
        if let refusal = refusal(authorization) { return refusal }
        let outcome: Bool? = state.withLock { state in
            guard let found = state.cips[cip] else { return nil }
            guard found.status == "PENDING" else { return false }
            state.cips[cip]?.status = "DELETED"
            return true
        }
        guard let outcome else { return Self.error(404, "CIP no encontrado", field: "cip") }
        guard outcome else { return Self.error(400, "El CIP no está pendiente", field: "cip") }
        record(cip)
        return (200, ["code": "100", "message": "Solicitud exitosa.", "data": ["cip": cip, "status": "DELETED"]])
    }

    /// `PATCH /v1/cips/{cip}` with `{"dateExpiry": "yyyy-MM-ddTHH:mm:ss-05:00"}`: a pending CIP is given a later expiry.
    func extend(_ cip: Int, _ body: [UInt8], authorization: String?) -> (Int, [String: Any]) {
        if let refusal = refusal(authorization) { return refusal }
        guard let object = (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any],
              let text = object["dateExpiry"] as? String, let expiry = Self.limaDate(text) else {
            return Self.error(400, "dateExpiry debe tener el formato yyyy-MM-ddTHH:mm:ss-05:00", field: "dateExpiry")
        }
        guard expiry > now() else { return Self.error(400, "dateExpiry debe ser futura", field: "dateExpiry") }
        let outcome: String? = state.withLock { state in
            guard let found = state.cips[cip] else { return "missing" }
            guard found.status == "PENDING" else { return "El CIP no está pendiente" }
            guard let current = Self.limaDate(found.dateExpiry), expiry > current else { return "dateExpiry debe ser posterior a la actual" }
            state.cips[cip]?.dateExpiry = text
            return nil
        }
        switch outcome {
        case "missing"?: return Self.error(404, "CIP no encontrado", field: "cip")
        case let message?: return Self.error(400, message, field: "dateExpiry")
        case nil: break
        }
        record(cip)
        return (200, ["code": "100", "message": "Solicitud exitosa.", "data": ["cip": cip, "dateExpiry": text]])
    }
}
