import Foundation
import PasarelaCore

/// The lines of PSPs' settlement reports, and what Pasarela's own books say for the same period.
public protocol SettlementStore: Sendable {
    /// Records a settlement file's lines for a connection, all in one transaction: a new line is added, a line imported
    /// before with the same values is counted and left alone, and a line whose key was imported before with other values
    /// stops the whole import (``SettlementConflict``), nothing written.
    func importSettlement(connection: String, lines: [SettlementLine], fileName: String, at: Date) async throws -> SettlementImport

    /// The ids the connection's imported lines name, of every file so far.
    func settledIds(connection: String) async throws -> SettledIds

    /// The payments that succeeded on the connection between `from` and `to`, and the refunds that succeeded then.
    func succeeded(connection: String, from: Date, to: Date) async throws -> SucceededBooks
}

/// What an import did.
public struct SettlementImport: Sendable, Equatable {
    /// Lines recorded now.
    public var added: Int
    /// Lines recorded by an earlier import of the same lines.
    public var known: Int

    public init(added: Int, known: Int) {
        self.added = added
        self.known = known
    }
}

/// A line whose key an earlier file recorded with other values.
public struct SettlementConflict: Error, Sendable, Equatable {
    public var line: Int
    public var earlierFile: String
    public var earlierLine: Int

    public init(line: Int, earlierFile: String, earlierLine: Int) {
        self.line = line
        self.earlierFile = earlierFile
        self.earlierLine = earlierLine
    }
}

/// The PSP's ids and references that imported settlement lines name.
public struct SettledIds: Sendable, Equatable {
    /// PSP payment ids and references of payment lines.
    public var payments: Set<String> = []
    /// PSP refund ids and references of refund lines.
    public var refunds: Set<String> = []

    public init(payments: Set<String> = [], refunds: Set<String> = []) {
        self.payments = payments
        self.refunds = refunds
    }
}

/// Pasarela's own record of what moved on one connection in a period.
public struct SucceededBooks: Sendable {
    public var payments: [StoredPayment]
    public var refunds: [Refund]

    public init(payments: [StoredPayment], refunds: [Refund]) {
        self.payments = payments
        self.refunds = refunds
    }
}
