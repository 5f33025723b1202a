//! Whether a reply answers what a client asked: the reply kind a `GET` gets and the names it
//! echoes, the `BEGIN LIST` / item lines of a `LIST` (what C's `upscli_get` and
//! `upscli_list_next` check before they hand a reply on). Names are compared without regard
//! to ASCII case, as upsd finds UPSes, variables and commands.

use super::list::ListQuery;
use super::reply::Reply;
use super::request::Request;

/// Whether a name in a reply echoes the one sent.
fn echoes(got: &str, sent: &str) -> bool {
    got.eq_ignore_ascii_case(sent)
}

impl ListQuery {
    /// Whether `other` (from `BEGIN LIST` / `END LIST`) echoes this query.
    pub fn echoed_by(&self, other: &ListQuery) -> bool {
        self.keyword() == other.keyword() && echoes(&other.to_string(), &self.to_string())
    }
}

impl Reply {
    /// Whether this reply answers the `GET` request `req` (its kind, its echoed names).
    /// Anything but a `GET` with names (VAR, TYPE, DESC, CMDDESC, UPSDESC, NUMLOGINS) is
    /// answered by nothing here.
    pub fn answers(&self, req: &Request) -> bool {
        match (req, self) {
            (Request::GetVar { ups, var }, Reply::Var { ups: u, var: v, .. })
            | (Request::GetType { ups, var }, Reply::Type { ups: u, var: v, .. })
            | (Request::GetDesc { ups, var }, Reply::Desc { ups: u, var: v, .. })
            | (Request::GetCmdDesc { ups, cmd: var }, Reply::CmdDesc { ups: u, cmd: v, .. }) => {
                echoes(u, ups) && echoes(v, var)
            }
            (Request::GetUpsDesc { ups }, Reply::UpsDesc { ups: u, .. })
            | (Request::GetNumLogins { ups }, Reply::NumLogins { ups: u, .. }) => echoes(u, ups),
            _ => false,
        }
    }

    /// Whether this is an item line of the list `query` (its kind, its echoed names).
    pub fn is_item_of(&self, query: &ListQuery) -> bool {
        match (query, self) {
            (ListQuery::Ups, Reply::Ups { .. }) => true,
            (ListQuery::Var { ups }, Reply::Var { ups: u, .. })
            | (ListQuery::Rw { ups }, Reply::Rw { ups: u, .. })
            | (ListQuery::Cmd { ups }, Reply::Cmd { ups: u, .. })
            | (ListQuery::Client { ups }, Reply::Client { ups: u, .. }) => echoes(u, ups),
            (ListQuery::Enum { ups, var }, Reply::Enum { ups: u, var: v, .. })
            | (ListQuery::Range { ups, var }, Reply::Range { ups: u, var: v, .. }) => {
                echoes(u, ups) && echoes(v, var)
            }
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::words::Event;
    use crate::words::Tokenizer;

    fn reply(line: &str) -> Reply {
        let mut tok = Tokenizer::new();
        let Some(Event::Line(words)) = tok.feed_all(format!("{line}\n").as_bytes()).pop() else {
            panic!("{line} tokenizes");
        };
        Reply::parse(&words).expect("parses")
    }

    fn s(text: &str) -> String {
        text.to_string()
    }

    #[test]
    fn get_replies_answer_their_request_names_without_case() {
        let get_var = Request::GetVar {
            ups: s("UPS"),
            var: s("ups.status"),
        };
        assert!(reply(r#"VAR ups UPS.STATUS "OL""#).answers(&get_var));
        assert!(!reply(r#"VAR other ups.status "OL""#).answers(&get_var));
        assert!(!reply(r#"DESC ups ups.status "OL""#).answers(&get_var));
        let get_cmddesc = Request::GetCmdDesc {
            ups: s("u"),
            cmd: s("load.off"),
        };
        assert!(reply(r#"CMDDESC u load.off "Off""#).answers(&get_cmddesc));
        assert!(!reply(r#"CMDDESC u load.on "On""#).answers(&get_cmddesc));
        let get_type = Request::GetType {
            ups: s("u"),
            var: s("v"),
        };
        assert!(reply("TYPE u v RW NUMBER").answers(&get_type));
        let numlogins = Request::GetNumLogins { ups: s("u") };
        assert!(reply("NUMLOGINS U 2").answers(&numlogins));
        assert!(!reply(r#"UPSDESC u "x""#).answers(&numlogins));
        assert!(reply(r#"UPSDESC u "x""#).answers(&Request::GetUpsDesc { ups: s("u") }));
        assert!(!reply("OK").answers(&Request::ListUps));
    }

    #[test]
    fn list_lines_belong_to_their_query() {
        let var = ListQuery::Var { ups: s("u") };
        assert!(reply(r#"VAR U a.b "1""#).is_item_of(&var));
        assert!(!reply(r#"VAR other a.b "1""#).is_item_of(&var));
        assert!(!reply(r#"RW u a.b "1""#).is_item_of(&var));
        assert!(reply(r#"UPS u "d""#).is_item_of(&ListQuery::Ups));
        let range = ListQuery::Range {
            ups: s("u"),
            var: s("v"),
        };
        assert!(reply(r#"RANGE u v "1" "2""#).is_item_of(&range));
        assert!(!reply(r#"RANGE u w "1" "2""#).is_item_of(&range));
        let Reply::BeginList(begin) = reply("BEGIN LIST VAR U") else {
            panic!("a BEGIN LIST");
        };
        assert!(var.echoed_by(&begin));
        assert!(!ListQuery::Rw { ups: s("u") }.echoed_by(&begin));
        assert!(!ListQuery::Var { ups: s("v") }.echoed_by(&begin));
    }
}
