//! Databases, caches, search domains and warehouses: whether a final snapshot, backups,
//! point-in-time recovery or a retention period survive the delete.

use recourse_policy::RecoverabilityTier::*;

use super::{Outcome, o, refuses};
use crate::attrs::{Attrs, Tri};

/// Databases and other stores of records, by type.
pub(super) fn tier(ty: &str, a: &Attrs<'_>) -> Option<Outcome> {
    Some(match ty {
        "aws_db_instance"
        | "aws_rds_cluster"
        | "aws_neptune_cluster"
        | "aws_docdb_cluster"
        | "aws_redshift_cluster"
        | "aws_docdb_elastic_cluster" => rds_like(a),
        "aws_rds_cluster_instance"
        | "aws_docdb_cluster_instance"
        | "aws_neptune_cluster_instance"
        | "google_alloydb_instance" => o(
            RecoverableWithEffort,
            "a cluster member; the cluster keeps the data",
        ),
        "aws_rds_global_cluster" => o(
            NeedsReview,
            "the global cluster's replication ends; the member clusters keep their data",
        ),
        "aws_dynamodb_table" => {
            if a.flag(&["deletion_protection_enabled"]) == Some(true) {
                refuses("deletion_protection_enabled")
            } else if a.flag(&["point_in_time_recovery", "enabled"]) == Some(true) {
                o(
                    RecoverableFromBackup,
                    "point-in-time recovery can restore the table after deletion",
                )
            } else {
                o(
                    Unrecoverable,
                    "no point-in-time recovery: every item is lost",
                )
            }
        }
        "aws_dynamodb_global_table" => o(Unrecoverable, "every item in the table is lost"),
        "aws_dynamodb_table_item" => o(
            NeedsReview,
            "the item is deleted, with any attributes written outside Terraform",
        ),
        "aws_elasticache_cluster"
        | "aws_elasticache_replication_group"
        | "aws_memorydb_cluster"
        | "aws_elasticache_serverless_cache" => {
            if a.text(&["engine"]) == Some("memcached") {
                o(
                    RecoverableWithEffort,
                    "a memcached cache: contents are rebuilt, not restored",
                )
            } else if let Some(id) = a
                .text(&["final_snapshot_identifier"])
                .or_else(|| a.text(&["final_snapshot_name"]))
            {
                o(
                    RecoverableFromBackup,
                    format!("a final snapshot `{id}` is taken before deletion"),
                )
            } else {
                o(
                    Unrecoverable,
                    "no final_snapshot_identifier: cached data and its snapshots are lost",
                )
            }
        }
        "aws_opensearch_domain"
        | "aws_elasticsearch_domain"
        | "aws_opensearchserverless_collection" => {
            o(Unrecoverable, "the domain's indices are deleted")
        }
        "aws_timestreamwrite_database"
        | "aws_timestreamwrite_table"
        | "aws_keyspaces_keyspace"
        | "aws_keyspaces_table"
        | "aws_qldb_ledger"
        | "aws_redshiftserverless_namespace"
        | "aws_glacier_vault"
        | "aws_codecommit_repository"
        | "aws_directory_service_directory"
        | "aws_lightsail_database"
        | "aws_lightsail_disk" => o(Unrecoverable, "the data stored in it is destroyed"),
        "aws_glue_catalog_database" | "aws_glue_catalog_table" | "aws_athena_database" => o(
            NeedsReview,
            "table definitions are deleted (the data in S3 stays, but queries over it break until they are recreated)",
        ),
        "google_sql_database_instance" => {
            if a.flag(&["deletion_protection"]) == Some(true) {
                o(
                    NeedsReview,
                    "deletion_protection is on: Terraform will refuse, yet the plan intends to delete it",
                )
            } else {
                o(Unrecoverable, "the instance's backups are deleted with it")
            }
        }
        "google_sql_database" | "google_spanner_database" => {
            o(Unrecoverable, "the database's data is destroyed")
        }
        "google_spanner_instance"
        | "google_bigtable_instance"
        | "google_bigtable_table"
        | "google_redis_instance"
        | "google_filestore_instance"
        | "google_alloydb_cluster"
        | "google_firestore_document"
        | "google_dataproc_cluster"
        | "google_memorystore_instance" => {
            if a.flag(&["deletion_protection"]) == Some(true) {
                refuses("deletion_protection")
            } else {
                o(Unrecoverable, "the data stored in it is destroyed")
            }
        }
        "google_firestore_database" => match a.text(&["deletion_policy"]) {
            Some("DELETE") => o(
                Unrecoverable,
                "deletion_policy DELETE: every document in the database is destroyed",
            ),
            _ => o(
                RecoverableWithEffort,
                "the database is abandoned, not deleted (deletion_policy ABANDON, the default): Terraform only forgets it",
            ),
        },
        "google_bigquery_dataset" => match a.tri(&["delete_contents_on_destroy"]) {
            Tri::True => o(
                Unrecoverable,
                "delete_contents_on_destroy = true deletes every table",
            ),
            Tri::Unknown => o(
                NeedsReview,
                "delete_contents_on_destroy is not known: if true, every table is deleted",
            ),
            Tri::False => o(
                RecoverableWithEffort,
                "the delete fails unless the dataset is empty",
            ),
        },
        "google_bigquery_table" => {
            if a.flag(&["deletion_protection"]) == Some(true) {
                o(
                    NeedsReview,
                    "deletion_protection is on: Terraform will refuse, yet the plan intends to delete it",
                )
            } else {
                o(Unrecoverable, "the table's rows are destroyed")
            }
        }
        "azurerm_mssql_database" | "azurerm_sql_database" => o(
            RecoverableFromBackup,
            "a deleted database can be restored from backups within the retention period",
        ),
        "azurerm_mssql_server" | "azurerm_sql_server" | "azurerm_mssql_managed_instance" => o(
            Unrecoverable,
            "every database on the server, and its backups, are deleted",
        ),
        "azurerm_postgresql_flexible_server"
        | "azurerm_mysql_flexible_server"
        | "azurerm_cosmosdb_account"
        | "azurerm_postgresql_server"
        | "azurerm_mysql_server"
        | "azurerm_mariadb_server"
        | "azurerm_redis_cache"
        | "azurerm_cosmosdb_sql_database"
        | "azurerm_cosmosdb_sql_container"
        | "azurerm_cosmosdb_mongo_database"
        | "azurerm_cosmosdb_mongo_collection"
        | "azurerm_cosmosdb_table"
        | "azurerm_cosmosdb_cassandra_keyspace"
        | "azurerm_postgresql_flexible_server_database"
        | "azurerm_mysql_flexible_database"
        | "azurerm_search_service"
        | "azurerm_data_lake_store" => o(Unrecoverable, "the server's databases are destroyed"),
        "digitalocean_database_cluster"
        | "digitalocean_database_db"
        | "mongodbatlas_cluster"
        | "mongodbatlas_advanced_cluster"
        | "postgresql_database"
        | "mysql_database"
        | "elasticsearch_index" => o(Unrecoverable, "the databases and their data are destroyed"),
        "snowflake_database" | "snowflake_schema" | "snowflake_table" => {
            match a.number(&["data_retention_time_in_days"]) {
                Some(d) if d > 0.0 => o(
                    RecoverableFromBackup,
                    format!(
                        "it can be restored with UNDROP for {d} days (data_retention_time_in_days)"
                    ),
                ),
                _ => o(
                    Unrecoverable,
                    "its data is destroyed (no Time Travel retention)",
                ),
            }
        }
        _ => return None,
    })
}

/// RDS and its kin (Neptune, DocumentDB, Redshift): deletion protection, the final snapshot
/// and retained automated backups decide.
fn rds_like(a: &Attrs<'_>) -> Outcome {
    if a.flag(&["deletion_protection"]) == Some(true) {
        return refuses("deletion_protection");
    }
    let retained_backups = a
        .number(&["backup_retention_period"])
        .is_some_and(|n| n > 0.0)
        && a.flag(&["delete_automated_backups"]) == Some(false);
    match a.tri(&["skip_final_snapshot"]) {
        Tri::True if retained_backups => o(
            RecoverableFromBackup,
            "skip_final_snapshot = true, but automated backups are retained (delete_automated_backups = false)",
        ),
        Tri::True => o(
            Unrecoverable,
            "skip_final_snapshot = true: no final snapshot, and automated backups are deleted with it",
        ),
        Tri::Unknown => o(
            NeedsReview,
            "skip_final_snapshot is not known (redacted or unknown): the database may be deleted without a final snapshot",
        ),
        Tri::False => match a.text(&["final_snapshot_identifier"]) {
            Some(id) => o(
                RecoverableFromBackup,
                format!("a final snapshot `{id}` is taken before deletion"),
            ),
            None => o(
                NeedsReview,
                "skip_final_snapshot is false but no final_snapshot_identifier is set: the delete fails or takes no snapshot",
            ),
        },
    }
}
