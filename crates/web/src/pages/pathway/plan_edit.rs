//! The plan

use super::*;

/// The plan form as typed. Rows are parallel lists, one entry per row, so a refused form comes
/// back exactly as it was sent.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct PlanForm {
    pub version: String,
    pub expected: String,
    pub objective_economic: String,
    pub objective_social: String,
    pub objective_psychosocial: String,
    pub immediate: Vec<String>,
    pub immediate_other: String,
    pub item_key: Vec<String>,
    pub item_kind: Vec<String>,
    pub item_details: Vec<String>,
    pub item_modality: Vec<String>,
    pub item_provider: Vec<String>,
    pub item_responsible: Vec<String>,
    pub item_duration: Vec<String>,
    pub item_status: Vec<String>,
    pub item_beneficiary: Vec<String>,
    pub item_budget: Vec<String>,
    pub item_grid: Vec<String>,
    pub purchase_item: Vec<String>,
    pub purchase_cost: Vec<String>,
    pub referral_agency: Vec<String>,
    pub referral_assistance: Vec<String>,
    pub participant_name: Vec<String>,
    pub participant_role: Vec<String>,
    pub expected_improvement: String,
    pub exit_strategy: String,
    pub best_interests_note: String,
    pub place: String,
    /// The grid approach to add ("Add to the plan"), posted with the plan as typed.
    pub approach: String,
}

pub(super) fn at(v: &[String], i: usize) -> &str {
    v.get(i).map(String::as_str).unwrap_or("")
}

impl PlanForm {
    pub fn from_content(c: &PlanContent) -> Self {
        let mut f = PlanForm {
            objective_economic: c.objectives.economic.clone(),
            objective_social: c.objectives.social.clone(),
            objective_psychosocial: c.objectives.psychosocial.clone(),
            immediate: c.immediate.iter().map(|i| i.as_str().to_string()).collect(),
            immediate_other: c.immediate_other.clone().unwrap_or_default(),
            expected_improvement: c.expected_improvement.clone(),
            exit_strategy: c.exit_strategy.clone(),
            best_interests_note: c.best_interests_note.clone().unwrap_or_default(),
            place: c.place.clone(),
            ..Default::default()
        };
        for i in &c.items {
            f.push_item(i);
        }
        for p in &c.purchases {
            f.purchase_item.push(p.item.clone());
            f.purchase_cost.push(p.estimated_cost.to_string());
        }
        for r in &c.referrals {
            f.referral_agency.push(r.agency.clone());
            f.referral_assistance.push(r.assistance.clone());
        }
        for p in &c.community_participants {
            f.participant_name.push(p.name.clone());
            f.participant_role.push(p.role.clone());
        }
        f
    }

    /// Adds an item row after those typed (each column padded first, so rows stay aligned).
    fn push_item(&mut self, i: &PlanItem) {
        let rows = self.item_kind.len();
        for column in [
            &mut self.item_key,
            &mut self.item_kind,
            &mut self.item_details,
            &mut self.item_modality,
            &mut self.item_provider,
            &mut self.item_responsible,
            &mut self.item_duration,
            &mut self.item_status,
            &mut self.item_beneficiary,
            &mut self.item_budget,
            &mut self.item_grid,
        ] {
            column.resize(rows, String::new());
        }
        self.item_key.push(i.key.to_string());
        self.item_kind.push(i.kind.as_str().into());
        self.item_details.push(i.details.clone());
        self.item_modality.push(i.modality.as_str().into());
        self.item_provider.push(i.provider.clone());
        self.item_responsible.push(i.responsible.as_str().into());
        self.item_duration.push(i.duration.clone());
        self.item_status.push(i.status.as_str().into());
        self.item_beneficiary
            .push(i.beneficiary.clone().unwrap_or_default());
        self.item_budget
            .push(i.budget.map(|b| b.to_string()).unwrap_or_default());
        self.item_grid
            .push(i.grid_approach.clone().unwrap_or_default());
    }

    /// Adds a grid approach as an item, unless the plan already has it.
    fn add_approach(&mut self, a: &GridApproach) {
        if self.item_grid.iter().any(|g| g == &a.key) {
            return;
        }
        let next = self
            .item_key
            .iter()
            .filter_map(|k| k.trim().parse::<u32>().ok())
            .max()
            .map_or(1, |k| k + 1);
        self.push_item(&PlanItem::from_grid(a, next));
    }

    /// Whether the post carries the plan form (not only the approach picked).
    fn is_typed(&self) -> bool {
        !self.expected.is_empty() || !self.version.is_empty()
    }

    /// The content this form describes; unreadable values are named, and blank rows dropped.
    pub fn read(&self) -> Result<PlanContent, ValidationErrors> {
        let mut e = ValidationErrors::new();
        let mut items = Vec::new();
        let mut next_key = self
            .item_key
            .iter()
            .filter_map(|k| k.parse::<u32>().ok())
            .max()
            .unwrap_or(0)
            + 1;
        for n in 0..self.item_kind.len() {
            let (kind, details) = (at(&self.item_kind, n), at(&self.item_details, n));
            if kind.is_empty() && details.trim().is_empty() {
                continue;
            }
            let row = items.len();
            let f = |x: &str| format!("items.{row}.{x}");
            let kind = read::choice(&mut e, &f("kind"), kind, AssistanceKind::parse, true);
            let modality = at(&self.item_modality, n);
            let modality = read::choice(&mut e, &f("modality"), modality, Modality::parse, true);
            let responsible = at(&self.item_responsible, n);
            let responsible = read::choice(
                &mut e,
                &f("responsible"),
                responsible,
                Responsible::parse,
                true,
            );
            let status = ItemStatus::parse(at(&self.item_status, n)).unwrap_or(ItemStatus::Planned);
            let budget = read::amount(&mut e, &f("budget"), at(&self.item_budget, n));
            let key = match at(&self.item_key, n).parse::<u32>() {
                Ok(k) => k,
                Err(_) => {
                    next_key += 1;
                    next_key - 1
                }
            };
            if let (Some(kind), Some(modality), Some(responsible)) = (kind, modality, responsible) {
                items.push(PlanItem {
                    key,
                    kind,
                    details: details.to_string(),
                    modality,
                    provider: at(&self.item_provider, n).to_string(),
                    responsible,
                    duration: at(&self.item_duration, n).to_string(),
                    status,
                    beneficiary: Some(at(&self.item_beneficiary, n).to_string()),
                    budget,
                    grid_approach: Some(at(&self.item_grid, n).to_string()),
                });
            } else {
                // Keep the row's place so later rows' messages point at the right row.
                items.push(PlanItem {
                    key,
                    kind: AssistanceKind::EconomicOther,
                    details: details.to_string(),
                    modality: Modality::Service,
                    provider: String::new(),
                    responsible: Responsible::Organisation,
                    duration: String::new(),
                    status,
                    beneficiary: None,
                    budget: None,
                    grid_approach: None,
                });
            }
        }
        let mut purchases = Vec::new();
        for n in 0..self.purchase_item.len() {
            let (item, cost) = (at(&self.purchase_item, n), at(&self.purchase_cost, n));
            if item.trim().is_empty() && cost.trim().is_empty() {
                continue;
            }
            let row = purchases.len();
            let cost = read::amount(&mut e, &format!("purchases.{row}.estimated_cost"), cost);
            purchases.push(Purchase {
                item: item.to_string(),
                estimated_cost: cost.unwrap_or(0),
            });
        }
        let referrals = (0..self.referral_agency.len())
            .map(|n| PlannedReferral {
                agency: at(&self.referral_agency, n).to_string(),
                assistance: at(&self.referral_assistance, n).to_string(),
            })
            .collect();
        let community_participants = (0..self.participant_name.len())
            .map(|n| ProjectParticipant {
                name: at(&self.participant_name, n).to_string(),
                role: at(&self.participant_role, n).to_string(),
            })
            .collect();
        let content = PlanContent {
            objectives: Objectives {
                economic: self.objective_economic.clone(),
                social: self.objective_social.clone(),
                psychosocial: self.objective_psychosocial.clone(),
            },
            immediate: self
                .immediate
                .iter()
                .filter_map(|i| Immediate::parse(i))
                .collect(),
            immediate_other: Some(self.immediate_other.clone()),
            items,
            purchases,
            referrals,
            baseline: None,
            community_participants,
            expected_improvement: self.expected_improvement.clone(),
            exit_strategy: self.exit_strategy.clone(),
            best_interests_note: Some(self.best_interests_note.clone()),
            place: self.place.clone(),
        }
        .normalised();
        e.into_result(content)
    }
}

pub struct Opt {
    pub value: String,
    pub label: String,
}

pub(super) fn opts(tr: &Tr, kind: &str, values: &[&str]) -> Vec<Opt> {
    values
        .iter()
        .map(|v| Opt {
            value: v.to_string(),
            label: tr.t_of(kind, v),
        })
        .collect()
}

pub struct ItemRow {
    pub key: String,
    pub kind: String,
    pub details: String,
    pub modality: String,
    pub provider: String,
    pub responsible: String,
    pub duration: String,
    pub status: String,
    pub beneficiary: String,
    pub budget: String,
    pub grid: String,
    pub error: String,
}

pub struct PairRow {
    pub a: String,
    pub b: String,
    pub error: String,
}

pub struct SuggestionView {
    pub key: String,
    pub dimension: String,
    pub score: String,
    pub approach: String,
    pub delivery: String,
    pub useful_for: String,
    pub individual: Vec<String>,
    pub context: Vec<(String, &'static str, String)>,
    pub to_recheck: usize,
    pub picked: bool,
}

#[derive(Template)]
#[template(path = "plan_edit.html")]
pub struct PlanEditPage {
    pub(super) c: Chrome,
    pub(super) id: String,
    pub(super) name: String,
    pub(super) number: String,
    pub(super) urgent: Vec<UrgentView>,
    pub(super) form: PlanForm,
    pub(super) notice: String,
    pub(super) errors: HashMap<String, String>,
    pub(super) has_errors: bool,
    pub(super) items: Vec<ItemRow>,
    pub(super) purchases: Vec<PairRow>,
    pub(super) referrals: Vec<PairRow>,
    pub(super) participants: Vec<PairRow>,
    pub(super) kinds: Vec<(String, Vec<Opt>)>,
    pub(super) modalities: Vec<Opt>,
    pub(super) responsibles: Vec<Opt>,
    pub(super) statuses: Vec<Opt>,
    pub(super) beneficiaries: Vec<Opt>,
    pub(super) immediate: Vec<(Opt, bool)>,
    pub(super) children: String,
    pub(super) considerations: Vec<(String, String)>,
    pub(super) suggestions: Vec<SuggestionView>,
    pub(super) baseline: String,
}

impl PlanEditPage {
    pub(super) fn err(&self, field: &str) -> String {
        self.errors.get(field).cloned().unwrap_or_default()
    }

    /// The error summary's links in the form's order: a field, or the first box of a table
    /// row, named by its label or by its table and row number.
    pub(super) fn error_summary(&self) -> Vec<(String, String)> {
        let tr = &self.c.tr;
        let mut links = Vec::new();
        let field = |links: &mut Vec<(String, String)>, key: &str, anchor: &str, label: &str| {
            let e = self.err(key);
            if !e.is_empty() {
                links.push((anchor.to_string(), format!("{}: {e}", tr.t(label))));
            }
        };
        let rows =
            |links: &mut Vec<(String, String)>, errors: Vec<&String>, id: &str, table: &str| {
                for (n, e) in errors.into_iter().enumerate() {
                    if !e.is_empty() {
                        let row = tr.t2("plan-summary-row", "table", tr.t(table), "n", n + 1);
                        links.push((format!("{id}-{n}"), format!("{row}: {e}")));
                    }
                }
            };
        field(&mut links, "objectives", "f-obj-e", "plan-objectives");
        field(
            &mut links,
            "immediate_other",
            "f-immediate-other",
            "field-immediate-other",
        );
        field(&mut links, "items", "items", "plan-items");
        rows(
            &mut links,
            self.items.iter().map(|r| &r.error).collect(),
            "item",
            "plan-items",
        );
        for (table, id, list) in [
            ("plan-purchases", "purchase", &self.purchases),
            ("plan-referrals", "planned-referral", &self.referrals),
            ("plan-participants", "participant", &self.participants),
        ] {
            rows(
                &mut links,
                list.iter().map(|r| &r.error).collect(),
                id,
                table,
            );
        }
        field(
            &mut links,
            "exit_strategy",
            "f-exit-strategy",
            "field-exit-strategy",
        );
        field(
            &mut links,
            "best_interests_note",
            "f-best-interests-note",
            "field-best-interests-note",
        );
        field(&mut links, "place", "f-place", "field-place");
        links
    }
}

pub(super) fn row_error(errors: &HashMap<String, String>, prefix: &str) -> String {
    let mut found: Vec<&String> = errors
        .iter()
        .filter(|(k, _)| k.starts_with(prefix))
        .map(|(_, v)| v)
        .collect();
    found.sort();
    found.dedup();
    found.into_iter().cloned().collect::<Vec<_>>().join(" ")
}

pub(super) fn score_text(x: Option<f64>) -> String {
    x.map(|v| format!("{v:.2}")).unwrap_or_else(|| "—".into())
}

pub(super) async fn plan_edit_page(
    state: &AppState,
    tr: &Tr,
    caller: &Caller,
    p: &Pathway,
    form: PlanForm,
    errors: &ValidationErrors,
    notice: String,
) -> Result<PlanEditPage, AppError> {
    let errors_map = error_map(tr, errors);
    let mut items: Vec<ItemRow> = (0..form.item_kind.len())
        .map(|n| ItemRow {
            key: at(&form.item_key, n).into(),
            kind: at(&form.item_kind, n).into(),
            details: at(&form.item_details, n).into(),
            modality: at(&form.item_modality, n).into(),
            provider: at(&form.item_provider, n).into(),
            responsible: at(&form.item_responsible, n).into(),
            duration: at(&form.item_duration, n).into(),
            status: at(&form.item_status, n).into(),
            beneficiary: at(&form.item_beneficiary, n).into(),
            budget: at(&form.item_budget, n).into(),
            grid: at(&form.item_grid, n).into(),
            error: row_error(&errors_map, &format!("items.{n}.")),
        })
        .collect();
    for _ in 0..3 {
        items.push(ItemRow {
            key: String::new(),
            kind: String::new(),
            details: String::new(),
            modality: String::new(),
            provider: String::new(),
            responsible: "organisation".into(),
            duration: String::new(),
            status: "planned".into(),
            beneficiary: String::new(),
            budget: String::new(),
            grid: String::new(),
            error: String::new(),
        });
    }
    let pairs = |a: &[String], b: &[String], prefix: &str, blanks: usize| {
        let mut rows: Vec<PairRow> = (0..a.len().max(b.len()))
            .map(|n| PairRow {
                a: at(a, n).into(),
                b: at(b, n).into(),
                error: row_error(&errors_map, &format!("{prefix}.{n}.")),
            })
            .collect();
        for _ in 0..blanks {
            rows.push(PairRow {
                a: String::new(),
                b: String::new(),
                error: String::new(),
            });
        }
        rows
    };
    let purchases = pairs(&form.purchase_item, &form.purchase_cost, "purchases", 3);
    let referrals = pairs(
        &form.referral_agency,
        &form.referral_assistance,
        "referrals",
        2,
    );
    let participants = pairs(
        &form.participant_name,
        &form.participant_role,
        "community_participants",
        2,
    );
    let kinds = Dimension::ALL
        .iter()
        .map(|d| {
            (
                tr.t_of("dimension", d.as_str()),
                AssistanceKind::ALL
                    .iter()
                    .filter(|k| k.dimension() == *d)
                    .map(|k| Opt {
                        value: k.as_str().into(),
                        label: tr.t_of("assistance", k.as_str()),
                    })
                    .collect(),
            )
        })
        .collect();
    let mut beneficiaries = vec![Opt {
        value: String::new(),
        label: tr.t("plan-beneficiary-returnee"),
    }];
    beneficiaries.extend(p.case.profile.household.iter().map(|m| Opt {
        value: m.name.clone(),
        label: m.name.clone(),
    }));
    let immediate = Immediate::ALL
        .iter()
        .map(|i| {
            (
                Opt {
                    value: i.as_str().into(),
                    label: tr.t_of("immediate", i.as_str()),
                },
                form.immediate.iter().any(|x| x == i.as_str()),
            )
        })
        .collect();
    let grid = app::lookups::feasibility_grid(state).await?;
    let picked: Vec<&str> = form.item_grid.iter().map(String::as_str).collect();
    let today = state.today();
    let suggestions = suggest(&grid, &p.dimension_scores(), today)
        .into_iter()
        .map(|s| {
            let mark = |c: &ContextCriterion| match c.holds {
                Some(true) => "holds",
                Some(false) => "fails",
                None => "unknown",
            };
            let context = s
                .approach
                .community
                .iter()
                .map(|c| (tr.t("grid-community"), c))
                .chain(
                    s.approach
                        .structural
                        .iter()
                        .map(|c| (tr.t("grid-structural"), c)),
                )
                .map(|(level, c)| {
                    let checked = match c.last_checked {
                        Some(d) if c.needs_recheck(today) => tr.t1("grid-recheck", "date", d),
                        Some(d) => tr.t1("grid-checked", "date", d),
                        None => tr.t("grid-never-checked"),
                    };
                    (format!("{level}: {}", c.text), mark(c), checked)
                })
                .collect();
            SuggestionView {
                key: s.approach.key.clone(),
                dimension: tr.t_of("dimension", s.approach.dimension.as_str()),
                score: score_text(s.score),
                approach: s.approach.approach.clone(),
                delivery: tr.t_of("delivery", s.approach.delivery.as_str()),
                useful_for: s.approach.useful_for.join("; "),
                individual: s.approach.individual.clone(),
                context,
                to_recheck: s.to_recheck,
                picked: picked.contains(&s.approach.key.as_str()),
            }
        })
        .collect();
    let baseline = match p.baseline() {
        Some(b) => format!(
            "{} · {} {} · {} {} · {} {} · {} {}",
            tr.t1("plan-baseline-from", "date", b.survey_date),
            tr.t_of("dimension", "economic"),
            score_text(b.economic),
            tr.t_of("dimension", "social"),
            score_text(b.social),
            tr.t_of("dimension", "psychosocial"),
            score_text(b.psychosocial),
            tr.t("plan-composite"),
            score_text(b.composite)
        ),
        None => tr.t("plan-baseline-none"),
    };
    Ok(PlanEditPage {
        c: Chrome::new(state, tr.clone(), Some(caller)),
        id: p.case.id.to_string(),
        name: p.case.profile.full_name(),
        number: p.case.number.to_string(),
        urgent: urgent_views(tr, p),
        has_errors: !errors.is_empty(),
        errors: errors_map,
        notice,
        items,
        purchases,
        referrals,
        participants,
        kinds,
        modalities: opts(tr, "modality", &names(Modality::ALL, Modality::as_str)),
        responsibles: opts(
            tr,
            "responsible",
            &names(Responsible::ALL, Responsible::as_str),
        ),
        statuses: opts(
            tr,
            "item-status",
            &names(ItemStatus::ALL, ItemStatus::as_str),
        ),
        beneficiaries,
        immediate,
        children: p.children().join(", "),
        considerations: CONSIDERATIONS
            .iter()
            .map(|k| (tr.t(&format!("cash-{k}")), tr.t(&format!("cash-{k}-text"))))
            .collect(),
        suggestions,
        baseline,
        form,
    })
}

/// Table 2.2's levels of consideration when choosing cash or in-kind assistance.
pub(super) const CONSIDERATIONS: [&str; 7] = [
    "design",
    "efficiency",
    "incentives",
    "risks",
    "conditions",
    "partners",
    "decision",
];

pub async fn plan_edit(
    State(state): State<AppState>,
    tr: Tr,
    SignedIn(caller): SignedIn,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let p = pw::load(&state, &caller.actor(), &id, Action::UpdateCase).await?;
    let form = match p.latest_plan() {
        Some(v) if v.status().editable() => PlanForm {
            version: v.version.to_string(),
            expected: v.revision.to_string(),
            ..PlanForm::from_content(&v.content)
        },
        Some(v) => PlanForm {
            expected: v.version.to_string(),
            ..PlanForm::from_content(&v.content)
        },
        None => PlanForm {
            expected: "0".into(),
            place: p.case.profile.return_province.clone(),
            ..Default::default()
        },
    };
    render(
        &plan_edit_page(
            &state,
            &tr,
            &caller,
            &p,
            form,
            &ValidationErrors::new(),
            String::new(),
        )
        .await?,
    )
}

pub async fn plan_save(
    State(state): State<AppState>,
    tr: Tr,
    Path(id): Path<String>,
    CsrfForm { caller, form }: CsrfForm<PlanForm>,
) -> Result<Response, AppError> {
    let p = pw::load(&state, &caller.actor(), &id, Action::UpdateCase).await?;
    let page = Page::of(&state, &tr, &caller);
    save_typed(&page, &p, form, |v| {
        format!("/cases/{}/plan?version={}", p.case.id, v.version)
    })
    .await
}

/// Saves the plan as typed, then goes to `next`; a refusal shows the form again with
/// everything typed and what to fix (or that someone else changed the plan meanwhile).
async fn save_typed(
    page: &Page,
    p: &Pathway,
    form: PlanForm,
    next: impl FnOnce(&store::PlanVersionRecord) -> String,
) -> Result<Response, AppError> {
    let (state, tr, caller) = (&page.state, &page.tr, &page.caller);
    let version = form.version.trim().parse::<i64>().ok();
    let expected = form.expected.trim().parse::<i64>().unwrap_or(0);
    let saved = match form.read() {
        Ok(content) => pw::save_plan(state, &caller.actor(), p, version, expected, content)
            .await
            .map_err(AppError::from),
        Err(e) => Err(AppError::validation(e)),
    };
    match saved {
        Ok(v) => Ok(Redirect::to(&next(&v)).into_response()),
        Err(e) if e.kind == ErrorKind::Validation => {
            let page = plan_edit_page(state, tr, caller, p, form, &e.fields, String::new()).await?;
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Err(e) if e.kind == ErrorKind::Conflict => {
            let page = plan_edit_page(
                state,
                tr,
                caller,
                p,
                form,
                &ValidationErrors::new(),
                tr.t("plan-stale"),
            )
            .await?;
            render_status(StatusCode::CONFLICT, &page)
        }
        Err(e) => Err(e),
    }
}

/// Adds a grid approach to the plan. From the plan form ("Add to the plan" is one of its
/// buttons), the plan is saved as typed with the approach added, so nothing typed is lost; sent
/// alone, it is added to the stored plan (starting one, or an amendment, if needed).
pub async fn plan_pick(
    State(state): State<AppState>,
    tr: Tr,
    Path(id): Path<String>,
    CsrfForm { caller, form }: CsrfForm<PlanForm>,
) -> Result<Response, AppError> {
    let p = pw::load(&state, &caller.actor(), &id, Action::UpdateCase).await?;
    let grid = app::lookups::feasibility_grid(&state).await?;
    let approach = grid
        .iter()
        .find(|a| a.key == form.approach)
        .ok_or(AppError::new(ErrorKind::NotFound))?;
    let actor = caller.actor();
    let back = format!("/cases/{}/plan/edit#items", p.case.id);
    if form.is_typed() {
        let mut form = form;
        form.add_approach(approach);
        let page = Page::of(&state, &tr, &caller);
        return save_typed(&page, &p, form, |_| back).await;
    }
    let (version, revision, mut content) = match p.latest_plan() {
        Some(v) if v.status().editable() => (Some(v.version), v.revision, v.content.clone()),
        Some(v) => (None, v.version, v.content.clone()),
        None => (
            None,
            0,
            PlanContent {
                place: p.case.profile.return_province.clone(),
                ..Default::default()
            },
        ),
    };
    if !content
        .items
        .iter()
        .any(|i| i.grid_approach.as_deref() == Some(&approach.key))
    {
        let key = content.next_key();
        content.items.push(PlanItem::from_grid(approach, key));
    }
    pw::save_plan(&state, &actor, &p, version, revision, content).await?;
    Ok(Redirect::to(&back).into_response())
}
