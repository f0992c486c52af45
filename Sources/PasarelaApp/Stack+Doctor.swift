import Foundation
import Logging
import PasarelaGateway
import PasarelaRouting
import PasarelaSandbox
import PasarelaStore
import ServiceLifecycle

extension Stack {
    /// What `pasarela doctor` checks with the options `serve` would take: the config is valid, the public URL is one PSPs
    /// can post webhooks to, the database answers and holds merchants with keys, and every connection's PSP takes its
    /// credentials and signatures (a harmless authenticated call). In sandbox mode the emulators are those `serve` would
    /// use: a running `pasarela sandbox` (`sandboxURL`) or, without one, the built-in ones started for the check.
    public static func doctor(_ options: StackOptions) async -> [DoctorFinding] {
        var quiet = Logger(label: "pasarela-doctor")
        quiet.logLevel = .critical
        var snapshot: ConfigSnapshot
        do {
            snapshot = try ConfigSnapshot.load(directory: options.configDirectory, env: options.environment)
        } catch {
            return error.problems.map { DoctorFinding(.problem, "config", $0.description) }
        }
        var findings = [DoctorFinding(.ok, "config", "\(options.configDirectory)/routes.yaml and \(snapshot.connections.count) adapter files are valid")]
        let publicURL = options.publicURL ?? "http://\(options.host):\(options.port)"
        findings.append(Doctor.diagnosePublicURL(publicURL, production: !options.sandbox))
        do { _ = try merchantDirectory(options) } catch { findings.append(DoctorFinding(.problem, "API keys", "\(error)")) }
        findings += await diagnoseDatabase(options, logger: quiet)

        // The connections are checked by the doctor alone: it holds no store, so it records nothing anywhere.
        let started: (emulators: [String: any SandboxEmulator], urls: [String: String], groups: [ServiceGroup], runs: [Task<Void, any Error>])
        do {
            started = try await emulators(for: &snapshot, options: options, logger: quiet, signals: [])
        } catch {
            return findings + [DoctorFinding(.problem, "sandbox", "the built-in emulators did not start: \(error)")]
        }
        let doctor = Doctor(snapshot: snapshot, publicBaseURL: publicURL, sandbox: options.sandbox, logger: quiet, now: options.now)
        for name in snapshot.connections.keys.sorted() { findings += await doctor.diagnose(connection: name) }
        for group in started.groups { await group.triggerGracefulShutdown() }
        for run in started.runs { _ = await run.result }
        return findings
    }

    /// The database `serve` would open: it answers, and it holds merchants with keys. A SQLite file not made yet is
    /// not made here (serve makes it).
    static func diagnoseDatabase(_ options: StackOptions, logger: Logger) async -> [DoctorFinding] {
        if case .sqlite(let path)? = try? DatabaseLocation.parse(options.database), !FileManager.default.fileExists(atPath: path) {
            return [DoctorFinding(.ok, "database", "\(path) does not exist yet: serve creates it")]
        }
        let opened: OpenStore
        do {
            opened = try await openStore(options, logger: logger)
        } catch {
            let shown = (try? DatabaseLocation.parse(options.database)).map(String.init(describing:)) ?? "the database"
            return [DoctorFinding(.problem, "database", "cannot open \(shown): \(error)")]
        }
        let found = await diagnose(opened, options: options)
        await opened.close()
        return found
    }

    static func diagnose(_ opened: OpenStore, options: StackOptions) async -> [DoctorFinding] {
        do {
            try await opened.store.ping()
            let merchants = try await opened.store.merchants()
            var keys = 0
            for merchant in merchants {
                keys += try await opened.store.keys(merchantId: merchant.id).filter { $0.isValid(at: options.now()) }.count
            }
            var found = [DoctorFinding(.ok, "database", "\(opened.location) answers; \(merchants.count) merchants with \(keys) usable API keys")]
            if !options.sandbox, keys == 0, (options.environment["PASARELA_API_KEYS"] ?? "").isEmpty {
                found.append(DoctorFinding(.warning, "API keys", "no merchant can call the API yet: `pasarela merchants add`, then `pasarela keys create`"))
            }
            for refused in try await opened.store.refusedNotifications() {
                let what = "\(refused.count) notification\(refused.count == 1 ? "" : "s") to \(refused.url.prefix(200)) refused (\(refused.reason.prefix(300)))"
                let fix = "point the host at a public address or give the merchant another URL (pasarela merchants update "
                    + "\(refused.merchantId) --notification-url https://…), or allow the network under outbound.allow in routes.yaml; "
                    + "then redeliver the events (POST /v1/events/{id}/redeliver)"
                found.append(DoctorFinding(.problem, "merchant \(refused.merchantId)", "\(what): \(fix)"))
            }
            return found
        } catch {
            return [DoctorFinding(.problem, "database", "\(opened.location) does not answer: \(error)")]
        }
    }
}
