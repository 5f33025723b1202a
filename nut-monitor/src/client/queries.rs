//! The read requests: `GET <query>` and `LIST <query>`, each reply read by nut-core's
//! [`Reply::parse`] and checked to answer what was asked (else, as C's `upscli_get` and
//! `upscli_list_next`, a protocol error). Names in the answer are compared with those sent
//! without regard to ASCII case.

use nut_core::net::{ListQuery, Reply, Request, VarType};

use super::{Client, ClientError};

/// Upper bound on the lines of one LIST reply (defence against an endless list).
const MAX_LIST_LINES: usize = 100_000;

/// Whether a name in a reply echoes the one sent.
fn echoed(got: &str, sent: &str) -> bool {
    got.eq_ignore_ascii_case(sent)
}

impl Client {
    /// `GET <query>`: `pick` takes what it needs from a reply answering the query, `None`
    /// for a reply that answers something else.
    async fn get<T>(
        &mut self,
        req: Request,
        pick: impl FnOnce(Reply) -> Option<T>,
    ) -> Result<T, ClientError> {
        let reply = self.request(&req.to_line()).await?;
        pick(reply).ok_or(ClientError::Protocol)
    }

    /// `LIST <query>`: the item lines between `BEGIN LIST <query>` and `END LIST`, each
    /// taken by `item` (`None` for a line that is no item of this list).
    async fn list<T>(
        &mut self,
        query: ListQuery,
        item: impl Fn(Reply) -> Option<T>,
    ) -> Result<Vec<T>, ClientError> {
        let timeout = self.timeout;
        let request_line = Request::from(query.clone()).to_line();
        let fut = async {
            self.conn.write_line(&request_line).await?;
            match self.read_reply().await? {
                Reply::BeginList(begin) if echoed(&begin.to_string(), &query.to_string()) => {}
                _ => return Err(ClientError::Protocol),
            }
            let mut items = Vec::new();
            loop {
                let reply = self.read_reply().await?;
                if let Reply::EndList(_) = reply {
                    return Ok(items);
                }
                let value = item(reply).ok_or(ClientError::Protocol)?;
                if items.len() >= MAX_LIST_LINES {
                    return Err(ClientError::Parse("list too long".into()));
                }
                items.push(value);
            }
        };
        tokio::time::timeout(timeout, fut)
            .await
            .map_err(|_| ClientError::Timeout(timeout.as_secs()))?
    }

    /// `GET VAR <ups> <var>`: the value.
    pub async fn get_var(&mut self, ups: &str, var: &str) -> Result<String, ClientError> {
        let req = Request::GetVar {
            ups: ups.into(),
            var: var.into(),
        };
        self.get(req, |r| match r {
            Reply::Var { ups: u, var: v, value } if echoed(&u, ups) && echoed(&v, var) => {
                Some(value)
            }
            _ => None,
        })
        .await
    }

    /// `GET NUMLOGINS <ups>`.
    pub async fn get_numlogins(&mut self, ups: &str) -> Result<u32, ClientError> {
        let req = Request::GetNumLogins { ups: ups.into() };
        let count = self
            .get(req, |r| match r {
                Reply::NumLogins { ups: u, count } if echoed(&u, ups) => Some(count),
                _ => None,
            })
            .await?;
        u32::try_from(count).map_err(|_| ClientError::InvalidResponse)
    }

    /// `GET UPSDESC <ups>`.
    pub async fn get_upsdesc(&mut self, ups: &str) -> Result<String, ClientError> {
        let req = Request::GetUpsDesc { ups: ups.into() };
        self.get(req, |r| match r {
            Reply::UpsDesc { ups: u, desc } if echoed(&u, ups) => Some(desc),
            _ => None,
        })
        .await
    }

    /// `GET DESC <ups> <var>`.
    pub async fn get_desc(&mut self, ups: &str, var: &str) -> Result<String, ClientError> {
        let req = Request::GetDesc {
            ups: ups.into(),
            var: var.into(),
        };
        self.get(req, |r| match r {
            Reply::Desc { ups: u, var: v, desc } if echoed(&u, ups) && echoed(&v, var) => {
                Some(desc)
            }
            _ => None,
        })
        .await
    }

    /// `GET CMDDESC <ups> <cmd>`.
    pub async fn get_cmddesc(&mut self, ups: &str, cmd: &str) -> Result<String, ClientError> {
        let req = Request::GetCmdDesc {
            ups: ups.into(),
            cmd: cmd.into(),
        };
        self.get(req, |r| match r {
            Reply::CmdDesc { ups: u, cmd: c, desc } if echoed(&u, ups) && echoed(&c, cmd) => {
                Some(desc)
            }
            _ => None,
        })
        .await
    }

    /// `GET TYPE <ups> <var>`: the type words (`RW`, `ENUM`, `RANGE`, `STRING:n`, `NUMBER`).
    pub async fn get_type(&mut self, ups: &str, var: &str) -> Result<Vec<VarType>, ClientError> {
        let req = Request::GetType {
            ups: ups.into(),
            var: var.into(),
        };
        self.get(req, |r| match r {
            Reply::Type { ups: u, var: v, types } if echoed(&u, ups) && echoed(&v, var) => {
                Some(types)
            }
            _ => None,
        })
        .await
    }

    /// `LIST UPS`: `(name, description)` in server order.
    pub async fn list_ups(&mut self) -> Result<Vec<(String, String)>, ClientError> {
        self.list(ListQuery::Ups, |r| match r {
            Reply::Ups { ups, desc } => Some((ups, desc)),
            _ => None,
        })
        .await
    }

    /// `LIST VAR <ups>`: `(name, value)`.
    pub async fn list_var(&mut self, ups: &str) -> Result<Vec<(String, String)>, ClientError> {
        self.list(ListQuery::Var { ups: ups.into() }, |r| match r {
            Reply::Var { ups: u, var, value } if echoed(&u, ups) => Some((var, value)),
            _ => None,
        })
        .await
    }

    /// `LIST RW <ups>`: `(name, value)`.
    pub async fn list_rw(&mut self, ups: &str) -> Result<Vec<(String, String)>, ClientError> {
        self.list(ListQuery::Rw { ups: ups.into() }, |r| match r {
            Reply::Rw { ups: u, var, value } if echoed(&u, ups) => Some((var, value)),
            _ => None,
        })
        .await
    }

    /// `LIST CMD <ups>`: command names.
    pub async fn list_cmd(&mut self, ups: &str) -> Result<Vec<String>, ClientError> {
        self.list(ListQuery::Cmd { ups: ups.into() }, |r| match r {
            Reply::Cmd { ups: u, cmd } if echoed(&u, ups) => Some(cmd),
            _ => None,
        })
        .await
    }

    /// `LIST CLIENT <ups>`: client addresses.
    pub async fn list_client(&mut self, ups: &str) -> Result<Vec<String>, ClientError> {
        self.list(ListQuery::Client { ups: ups.into() }, |r| match r {
            Reply::Client { ups: u, addr } if echoed(&u, ups) => Some(addr),
            _ => None,
        })
        .await
    }

    /// `LIST ENUM <ups> <var>`: the allowed values.
    pub async fn list_enum(&mut self, ups: &str, var: &str) -> Result<Vec<String>, ClientError> {
        let query = ListQuery::Enum {
            ups: ups.into(),
            var: var.into(),
        };
        self.list(query, |r| match r {
            Reply::Enum { ups: u, var: v, value } if echoed(&u, ups) && echoed(&v, var) => {
                Some(value)
            }
            _ => None,
        })
        .await
    }

    /// `LIST RANGE <ups> <var>`: `(min, max)` pairs.
    pub async fn list_range(
        &mut self,
        ups: &str,
        var: &str,
    ) -> Result<Vec<(i64, i64)>, ClientError> {
        let query = ListQuery::Range {
            ups: ups.into(),
            var: var.into(),
        };
        self.list(query, |r| match r {
            Reply::Range {
                ups: u,
                var: v,
                min,
                max,
            } if echoed(&u, ups) && echoed(&v, var) => Some((min, max)),
            _ => None,
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::echoed;

    #[test]
    fn echoes_compare_without_case() {
        assert!(echoed("UPS", "ups"));
        assert!(echoed("ups.status", "ups.status"));
        assert!(!echoed("other", "ups"));
    }
}
