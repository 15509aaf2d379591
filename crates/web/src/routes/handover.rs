//! Routes: handing cases over between instances — this instance's key and its trusted
//! partners, a case's hand-over consents and packets, and receiving a packet.

use super::*;

pub(super) const ROUTES: &[RouteSpec] = &[
    r(
        "handover.admin",
        "GET",
        "/admin/handover",
        act(Action::ManageUsers),
    ),
    r(
        "handover.key",
        "GET",
        "/admin/handover/key",
        act(Action::ManageUsers),
    ),
    r(
        "handover.organisation",
        "POST",
        "/admin/handover/organisation",
        act(Action::ManageUsers),
    ),
    r(
        "handover.trust",
        "POST",
        "/admin/handover/partners",
        act(Action::ManageUsers),
    ),
    r(
        "handover.remove",
        "POST",
        "/admin/handover/partners/{key}/remove",
        act(Action::ManageUsers),
    ),
    r(
        "cases.handover",
        "GET",
        "/cases/{id}/handover",
        act(Action::UpdateCase),
    ),
    r(
        "cases.handover_consent",
        "POST",
        "/cases/{id}/handover",
        act(Action::UpdateCase),
    ),
    r(
        "cases.handover_packet",
        "POST",
        "/cases/{id}/handover/{handover}/packet",
        act(Action::UpdateCase),
    ),
    r(
        "handovers.receive_form",
        "GET",
        "/handovers/receive",
        act(Action::CreateCase),
    ),
    r(
        "handovers.receive",
        "POST",
        "/handovers/receive",
        act(Action::CreateCase),
    ),
    r(
        "api.handover.key",
        "GET",
        "/api/v1/handover/key",
        act(Action::ManageUsers),
    ),
    r(
        "api.handover.partners",
        "GET",
        "/api/v1/handover/partners",
        act(Action::ManageUsers),
    ),
    r(
        "api.handover.trust",
        "POST",
        "/api/v1/handover/partners",
        act(Action::ManageUsers),
    ),
    r(
        "api.handovers.list",
        "GET",
        "/api/v1/cases/{id}/handovers",
        act(Action::UpdateCase),
    ),
    r(
        "api.handovers.create",
        "POST",
        "/api/v1/cases/{id}/handovers",
        act(Action::UpdateCase),
    ),
    r(
        "api.handovers.packet",
        "POST",
        "/api/v1/cases/{id}/handovers/{handover}/packet",
        act(Action::UpdateCase),
    ),
    r(
        "api.handovers.receive",
        "POST",
        "/api/v1/handovers/receive",
        act(Action::CreateCase),
    ),
];

pub(super) fn handler(name: &str) -> Option<MethodRouter<AppState>> {
    // A packet is far larger than an ordinary form post.
    let packet_limit =
        || DefaultBodyLimit::max(app::handover::packet::MAX_PACKET_BYTES + 64 * 1024);
    Some(match name {
        "handover.admin" => get(pages::handover::admin),
        "handover.key" => get(pages::handover::key_file),
        "handover.organisation" => post(pages::handover::set_organisation),
        "handover.trust" => post(pages::handover::trust_partner),
        "handover.remove" => post(pages::handover::remove_partner),
        "cases.handover" => get(pages::handover::case_form),
        "cases.handover_consent" => post(pages::handover::record_consent),
        "cases.handover_packet" => post(pages::handover::packet),
        "handovers.receive_form" => get(pages::handover::receive_form),
        "handovers.receive" => post(pages::handover::receive).layer(packet_limit()),
        "api.handover.key" => get(api::handover::key),
        "api.handover.partners" => get(api::handover::partners),
        "api.handover.trust" => post(api::handover::trust),
        "api.handovers.list" => get(api::handover::list),
        "api.handovers.create" => post(api::handover::create),
        "api.handovers.packet" => post(api::handover::packet),
        "api.handovers.receive" => post(api::handover::receive).layer(packet_limit()),
        _ => return None,
    })
}
