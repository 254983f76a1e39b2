//! Property tests of the transition table: final states accept nothing,
//! only an action's roles may take it, recording actions never move a
//! proposal, and every published path went through every gate.

use super::*;
use proptest::prelude::*;

fn any_state() -> impl Strategy<Value = State> {
    proptest::sample::select(State::ALL.to_vec())
}
fn any_action() -> impl Strategy<Value = Action> {
    proptest::sample::select(Action::ALL.to_vec())
}
fn any_role() -> impl Strategy<Value = Role> {
    proptest::sample::select(Role::ALL.to_vec())
}
prop_compose! {
    fn any_facts()(is_owner: bool, checks_failed: bool, opinions in 0usize..5, experts_required in 0usize..5,
        consultation_over: bool, unanswered in 0usize..3, filed: bool, announced: bool,
        other in proptest::option::weighted(0.1, any_role()), votes in (0usize..4, 0usize..4, 0usize..2),
        quorum in 0usize..5, majority in proptest::sample::select(vec![0.5, 2.0 / 3.0])) -> Facts {
        Facts { is_owner, checks_failed, opinions, experts_required, consultation_over, unanswered, filed, announced,
            other_hand: other, votes, quorum, majority }
    }
}

proptest! {
    #[test]
    fn final_states_accept_nothing(s in any_state(), a in any_action(), r in any_role(), f in any_facts()) {
        if s.is_final() {
            prop_assert!(step(s, a, r, f).is_err());
        }
    }

    #[test]
    fn only_the_actions_roles_are_accepted(s in any_state(), a in any_action(), r in any_role(), f in any_facts()) {
        if step(s, a, r, f).is_ok() {
            prop_assert!(a.roles().contains(&r));
        }
        if !a.roles().contains(&r) {
            let is_role_refusal = matches!(step(s, a, r, f), Err(Refusal::Role { .. }));
            prop_assert!(is_role_refusal);
        }
    }

    #[test]
    fn admins_take_no_workflow_action(s in any_state(), a in any_action(), f in any_facts()) {
        prop_assert!(step(s, a, Role::Admin, f).is_err());
    }

    #[test]
    fn recording_actions_never_move_the_proposal(s in any_state(), a in any_action(), r in any_role(), f in any_facts()) {
        let records = matches!(a, Action::Opinion | Action::Comment | Action::Respond | Action::Vote | Action::File | Action::Announce);
        if records && let Ok(next) = step(s, a, r, f) {
            prop_assert_eq!(next, s);
        }
    }

    #[test]
    fn publishing_needs_approval_filing_and_announcement(s in any_state(), r in any_role(), f in any_facts()) {
        if step(s, Action::Publish, r, f) == Ok(State::Published) {
            prop_assert_eq!(s, State::Approved);
            prop_assert!(f.filed && f.announced);
        }
    }

}

/// Random walks from a draft, each step mostly one the state accepts
/// (so that walks do reach the end): whenever one reaches `published`,
/// the path since the last submission went through every stage in
/// order, with the conditions of each gate met when it was passed; a
/// refused step names the role when the role may not take the action.
#[test]
fn every_published_path_passed_every_gate() {
    use rand::{RngExt, SeedableRng};
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(20);
    let stages = [
        State::Submitted,
        State::Checked,
        State::ExpertReview,
        State::Consultation,
        State::CommitteeReview,
        State::CommitteeApproved,
        State::Approved,
        State::Published,
    ];
    let mut published = 0;
    for _ in 0..2_000 {
        let mut s = State::Draft;
        let mut since_submit: Vec<State> = Vec::new();
        for _ in 0..200 {
            let f = Facts {
                is_owner: rng.random_bool(0.8),
                checks_failed: rng.random_bool(0.2),
                opinions: rng.random_range(0..5),
                experts_required: rng.random_range(0..4),
                consultation_over: rng.random_bool(0.7),
                unanswered: if rng.random_bool(0.7) { 0 } else { 1 },
                filed: rng.random_bool(0.7),
                announced: rng.random_bool(0.7),
                other_hand: None,
                votes: (rng.random_range(0..5), rng.random_range(0..3), rng.random_range(0..2)),
                quorum: 3,
                majority: 0.5,
            };
            let accepted: Vec<(Action, Role)> = Action::ALL
                .iter()
                .flat_map(|&a| Role::ALL.iter().map(move |&r| (a, r)))
                .filter(|&(a, r)| step(s, a, r, f).is_ok())
                .collect();
            let (a, r) = if !accepted.is_empty() && rng.random_bool(0.8) {
                accepted[rng.random_range(0..accepted.len())]
            } else {
                (
                    Action::ALL[rng.random_range(0..Action::ALL.len())],
                    Role::ALL[rng.random_range(0..Role::ALL.len())],
                )
            };
            match step(s, a, r, f) {
                Ok(next) => {
                    match a {
                        Action::StartExpertReview => assert!(!f.checks_failed),
                        Action::StartConsultation => assert!(f.opinions >= f.experts_required),
                        Action::CloseConsultation => assert!(f.consultation_over && f.unanswered == 0),
                        Action::Publish => assert!(f.filed && f.announced),
                        Action::Approve => {
                            let (yes, no, abstain) = f.votes;
                            assert!(yes + no + abstain >= f.quorum && 2 * yes > yes + no + abstain);
                        }
                        _ => {}
                    }
                    if a == Action::Submit {
                        since_submit.clear();
                    }
                    if next != s {
                        since_submit.push(next);
                    }
                    s = next;
                }
                Err(e) => {
                    if !a.roles().contains(&r) && !s.is_final() {
                        assert!(
                            matches!(e, Refusal::Role { .. } | Refusal::State { .. }),
                            "{a:?} by {r:?} in {s:?}: {e}"
                        );
                    }
                }
            }
            if s == State::Published {
                assert_eq!(&since_submit[..], &stages[..]);
                published += 1;
                break;
            }
            if s.is_final() {
                break;
            }
        }
    }
    assert!(published >= 20, "only {published} of 2000 walks reached publication");
}

#[test]
fn the_happy_path_is_accepted() {
    let f = Facts {
        is_owner: true,
        opinions: 3,
        experts_required: 3,
        consultation_over: true,
        filed: true,
        announced: true,
        votes: (4, 1, 0),
        quorum: 5,
        majority: 0.5,
        ..Facts::default()
    };
    let path = [
        (Action::Submit, Role::Applicant, State::Submitted),
        (Action::Check, Role::Reviewer, State::Checked),
        (Action::StartExpertReview, Role::Reviewer, State::ExpertReview),
        (Action::StartConsultation, Role::Reviewer, State::Consultation),
        (Action::CloseConsultation, Role::Reviewer, State::CommitteeReview),
        (Action::Approve, Role::Committee, State::CommitteeApproved),
        (Action::RecordApproval, Role::Approver, State::Approved),
        (Action::Publish, Role::Reviewer, State::Published),
    ];
    let mut s = State::Draft;
    for (a, r, want) in path {
        s = step(s, a, r, f).unwrap_or_else(|e| panic!("{a:?} by {r:?}: {e}"));
        assert_eq!(s, want);
    }
}

#[test]
fn an_applicant_acts_only_on_its_own_proposals() {
    let f = Facts { is_owner: false, ..Facts::default() };
    assert_eq!(step(State::Draft, Action::Submit, Role::Applicant, f), Err(Refusal::NotOwner("submit")));
}

#[test]
fn one_person_does_not_act_at_two_stages() {
    let f = Facts { other_hand: Some(Role::Applicant), ..Facts::default() };
    assert_eq!(
        step(State::Submitted, Action::Check, Role::Reviewer, f),
        Err(Refusal::SeparateHands { earlier: Role::Applicant.label(), now: Role::Reviewer.label() })
    );
    // Commenting in the public consultation is open to anyone.
    assert_eq!(step(State::Consultation, Action::Comment, Role::Reviewer, f), Ok(State::Consultation));
}

#[test]
fn a_committee_decision_needs_the_quorum_and_the_majority() {
    let facts = |votes| Facts { votes, quorum: 5, majority: 0.5, ..Facts::default() };
    let decide = |a, votes| step(State::CommitteeReview, a, Role::Committee, facts(votes));
    // Four votes of five needed: neither decision may be recorded.
    assert!(matches!(decide(Action::Approve, (4, 0, 0)), Err(Refusal::Condition(_))));
    assert!(matches!(decide(Action::Reject, (0, 4, 0)), Err(Refusal::Condition(_))));
    // A tie is not a majority: approval refused, rejection stands.
    assert!(matches!(decide(Action::Approve, (2, 2, 1)), Err(Refusal::Condition(_))));
    assert_eq!(decide(Action::Reject, (2, 2, 1)), Ok(State::Rejected));
    // A carried vote cannot be turned into a rejection.
    assert_eq!(decide(Action::Approve, (3, 1, 1)), Ok(State::CommitteeApproved));
    assert!(matches!(decide(Action::Reject, (3, 1, 1)), Err(Refusal::Condition(_))));
}
